//! SplitMix64: a tiny deterministic generator, so a sandbox seed always gives the same users and
//! the same fault sequence.

#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }

    /// One item of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A Clerk-style id: `prefix` and 27 base-62 characters.
    pub fn clerk_id(&mut self, prefix: &str) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut id = String::with_capacity(prefix.len() + 27);
        id.push_str(prefix);
        for _ in 0..27 {
            id.push(ALPHABET[self.below(62) as usize] as char);
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let (mut a, mut b) = (SplitMix64::new(7), SplitMix64::new(7));
        assert_eq!(
            (a.next_u64(), a.next_u64()),
            (b.next_u64(), b.next_u64()),
            "determinism is the point"
        );
        assert_ne!(
            SplitMix64::new(8).next_u64(),
            SplitMix64::new(7).next_u64(),
            "seeds differ"
        );
    }

    #[test]
    fn known_first_value() {
        // Reference value of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        assert_eq!(
            SplitMix64::new(0).next_u64(),
            0xE220_A839_7B1D_CDAF,
            "matches the reference implementation"
        );
    }

    #[test]
    fn ids_look_like_clerks() {
        let id = SplitMix64::new(1).clerk_id("user_");
        assert_eq!(
            id.len(),
            "user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl".len(),
            "same length as a real Clerk id"
        );
    }
}
