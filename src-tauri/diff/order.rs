//! The output order: by category, then key, then (for duplicates) document and Clerk id, then
//! position in the input, so the order is total.
//!
//! Sorting a million entries by string keys that live all over the heap is dominated by cache
//! misses, so the sort runs on compact `(category, first 16 key bytes, position)` slots, made as
//! each entry is created and sorted per thread, falling back to the full comparison only on a
//! tie. Each thread then permutes its own entries into order, and the two sorted halves are
//! merged by moving entries front to back.

use std::cmp::Ordering;

use super::DiffEntry;

/// Entries being collected on one thread, each with its sort slot computed while the entry's
/// key is still in cache.
pub struct Part<'a> {
    entries: Vec<DiffEntry<'a>>,
    slots: Vec<Slot>,
}

impl<'a> Part<'a> {
    pub fn with_capacity(n: usize) -> Self {
        Self {
            entries: Vec::with_capacity(n),
            slots: Vec::with_capacity(n),
        }
    }

    pub fn push(&mut self, entry: DiffEntry<'a>) {
        let position = self.entries.len() as u32;
        self.slots
            .push((entry.category as u8, prefix(&entry.key()), position));
        self.entries.push(entry);
    }

    /// Sorts this part: slots first, then the entries permuted to match them.
    pub fn sorted(mut self) -> Self {
        let entries = &self.entries;
        self.slots.sort_unstable_by(|a, b| compare(a, b, entries));
        let from = self.slots.iter().map(|slot| slot.2 as usize).collect();
        permute(&mut self.entries, from);
        self
    }
}

/// Joins two sorted parts into the diff's documented order.
pub fn merge<'a>(first: Part<'a>, second: Part<'a>) -> Vec<DiffEntry<'a>> {
    let mut entries = Vec::with_capacity(first.entries.len() + second.entries.len());
    let mut a = first.slots.into_iter().zip(first.entries).peekable();
    let mut b = second.slots.into_iter().zip(second.entries).peekable();
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        let order = (x.0.0, x.0.1)
            .cmp(&(y.0.0, y.0.1))
            .then_with(|| full(&x.1, &y.1));
        let next = if order == Ordering::Greater {
            b.next()
        } else {
            a.next()
        };
        entries.extend(next.map(|(_, entry)| entry));
    }
    entries.extend(a.chain(b).map(|(_, entry)| entry));
    entries
}

/// An entry's category, the first 16 bytes of its key, and its position.
type Slot = (u8, u128, u32);

fn compare(a: &Slot, b: &Slot, entries: &[DiffEntry<'_>]) -> Ordering {
    (a.0, a.1)
        .cmp(&(b.0, b.1))
        .then_with(|| full(&entries[a.2 as usize], &entries[b.2 as usize]))
}

/// The full order of two entries.
pub fn full(a: &DiffEntry<'_>, b: &DiffEntry<'_>) -> Ordering {
    (a.category, a.key())
        .cmp(&(b.category, b.key()))
        .then_with(|| tie_break(a, b))
}

/// The first 16 bytes, big-endian, zero-padded: compares like the string wherever they differ.
fn prefix(key: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = key.len().min(16);
    bytes[..n].copy_from_slice(&key.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

/// Entries with the same category and key (duplicates): by document, then Clerk id, then
/// position in the input (so the order is total, whichever thread made which entry).
fn tie_break(a: &DiffEntry<'_>, b: &DiffEntry<'_>) -> Ordering {
    let doc = |e: &DiffEntry<'_>| e.db.map(|d| (d.doc_id.to_string(), d.user_id));
    let at = |e: &DiffEntry<'_>| {
        (
            e.db.map(std::ptr::from_ref),
            e.clerk.map(std::ptr::from_ref),
        )
    };
    doc(a)
        .cmp(&doc(b))
        .then_with(|| a.clerk.map(|c| &c.id).cmp(&b.clerk.map(|c| &c.id)))
        .then_with(|| at(a).cmp(&at(b)))
}

/// Puts `items[from[i]]` at position `i`, following cycles, with no second copy of the items.
fn permute<T>(items: &mut [T], mut from: Vec<usize>) {
    for start in 0..items.len() {
        let mut at = start;
        while from[at] != start {
            let next = from[at];
            items.swap(at, next);
            from[at] = at;
            at = next;
        }
        from[at] = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permute_moves_each_item_to_its_place() {
        let mut items = ['a', 'b', 'c', 'd', 'e'];
        permute(&mut items, vec![3, 0, 4, 1, 2]);
        assert_eq!(
            items,
            ['d', 'a', 'e', 'b', 'c'],
            "position i takes the item from from[i]"
        );
    }

    #[test]
    fn prefixes_order_like_the_strings() {
        let keys = [
            "",
            "a",
            "ab",
            "user_2o9QUL1HBjwF",
            "user_2o9QUL1HBjwFa",
            "user_2o9QUL1HBjwFb",
            "z",
        ];
        for pair in keys.windows(2) {
            assert!(
                prefix(pair[0]) <= prefix(pair[1]),
                "{pair:?}: a prefix never reverses order"
            );
        }
    }
}
