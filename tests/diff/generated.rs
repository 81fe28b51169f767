//! Generated users: a splitmix64 generator and data sets mixing every category and every
//! suspicious shape, so failures replay from their seed.

use mongodb::bson::Bson;
use syncdesk::diff::DiffContext;
use syncdesk::user::{ClerkUser, DbUser, DocId};

use super::doc;

/// splitmix64: a tiny deterministic generator, so every failing seed can be replayed.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
}

fn clerk_id(n: u64) -> String {
    format!("user_2o9QUL1HBjwFSVmJt9Jo{n:06}")
}

fn clerk_user(n: u64, rng: &mut Rng) -> ClerkUser {
    let email = match rng.below(20) {
        0 => None,
        1 => Some(format!("tester{n}+clerk_test@example.com")),
        _ => Some(format!("person{n}@example.com")),
    };
    ClerkUser {
        id: clerk_id(n),
        primary_email: email.clone(),
        emails: email.into_iter().collect(),
        first_name: (rng.below(10) > 0).then(|| "Ada".to_string()),
        last_name: Some(format!("Person{n}")),
        username: (rng.below(3) == 0).then(|| format!("person{n}")),
        external_id: None,
        banned: false,
        created_at: 1_755_900_000_000 + n as i64,
        updated_at: 1_755_900_000_000 + n as i64,
    }
}

/// A mix of every category and every suspicious shape, shuffled.
pub fn generate(seed: u64) -> (Vec<ClerkUser>, Vec<DbUser>) {
    let mut rng = Rng(seed);
    let clerk: Vec<ClerkUser> = (0..30 + rng.below(40))
        .map(|n| clerk_user(n, &mut rng))
        .collect();
    let mut docs = Vec::new();
    let push = |docs: &mut Vec<DbUser>, d: DbUser| {
        let n = docs.len() as i64 + 1;
        docs.push(DbUser {
            doc_id: DocId::from(Bson::Int64(n)),
            user_id: Some(n),
            ..d
        });
    };
    for user in &clerk {
        let (id, email, name) = (
            Some(user.id.clone()),
            user.primary_email.clone(),
            user.full_name(),
        );
        let upper = email.as_ref().map(|e| e.to_uppercase());
        let made_up = Some(format!("clerk_{}", docs.len() + 1));
        match rng.below(12) {
            0 => {}
            1 => push(&mut docs, doc(0, id, Some("old@example.com".into()), name)),
            2 => push(&mut docs, doc(0, id, email, Some("Old Name".into()))),
            3 => push(&mut docs, doc(0, None, upper, None)),
            4 => push(&mut docs, doc(0, made_up, email, name)),
            5 => {
                let prefix = user.id[..13].to_string();
                let placeholder = Some(format!("{prefix}@placeholder.example.com"));
                push(&mut docs, doc(0, id, placeholder, Some(prefix)));
            }
            6 => {
                push(&mut docs, doc(0, id.clone(), email.clone(), name.clone()));
                push(&mut docs, doc(0, id, email, name));
            }
            7 => push(
                &mut docs,
                doc(0, Some(clerk_id(900 + rng.below(50))), email, name),
            ),
            _ => push(&mut docs, doc(0, id, upper.or(email), name)),
        }
    }
    for _ in 0..rng.below(15) {
        let n = rng.below(1_000);
        let d = match rng.below(6) {
            0 => doc(
                0,
                Some(clerk_id(500 + n)),
                Some(format!("gone{n}@example.com")),
                None,
            ),
            1 => doc(
                0,
                Some("test_user".into()),
                Some("test@example.com".into()),
                None,
            ),
            2 => doc(0, None, Some(format!("shared{}@example.com", n % 3)), None),
            3 => doc(
                0,
                Some(clerk_id(500 + n)),
                Some(format!("t{n}+clerk_test@example.com")),
                None,
            ),
            _ => doc(
                0,
                None,
                Some(format!("local{n}@example.com")),
                Some(format!("Local {n}")),
            ),
        };
        push(&mut docs, d);
    }
    rng.shuffle(&mut docs);
    (clerk, docs)
}

pub fn ctx(seed: u64) -> DiffContext {
    DiffContext {
        production: seed % 2 == 1,
    }
}
