//! The sandbox's users: the `seed-report` preset (exactly `scenario::seed_report_clerk_users()`)
//! and `--users N`, generated deterministically from a seed with the odd cases real instances
//! have (no email, no primary, several emails, null names, banned users, `+clerk_test` addresses).

use crate::scenario;
use crate::user::ClerkUser;

use super::prng::SplitMix64;
use super::user::{Email, Phone, SandboxUser};

const FIRST: [&str; 16] = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Ken",
    "Radia",
    "Linus",
    "Frances",
    "Dennis",
    "Hedy",
    "Tim",
    "Katherine",
    "Guido",
];
const LAST: [&str; 16] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Torvalds",
    "Allen",
    "Ritchie",
    "Lamarr",
    "Berners-Lee",
    "Johnson",
    "van Rossum",
];
const DOMAINS: [&str; 3] = ["example.com", "mail.example.com", "corp.example.com"];
/// 2024-01-01T00:00:00Z: generated users sign up from here on.
const EPOCH_MS: i64 = 1_704_067_200_000;
/// About two years of sign-ups.
const SPAN_MS: i64 = 730 * 86_400_000;

/// A domain user expanded into a full sandbox user (one verified address, the primary).
pub fn from_clerk_user(user: &ClerkUser) -> SandboxUser {
    let mut rng = SplitMix64::new(
        user.id
            .bytes()
            .fold(0, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
    );
    let emails: Vec<Email> = user
        .emails
        .iter()
        .map(|address| Email {
            id: rng.clerk_id("idn_"),
            address: address.clone(),
            strategy: "email_code",
            verified: true,
        })
        .collect();
    let primary_email_id = user
        .primary_email
        .as_ref()
        .and_then(|p| emails.iter().find(|e| &e.address == p))
        .map(|e| e.id.clone());
    SandboxUser {
        id: user.id.clone(),
        emails,
        primary_email_id,
        phones: vec![],
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        username: user.username.clone(),
        external_id: user.external_id.clone(),
        banned: user.banned,
        password_enabled: false,
        created_at: user.created_at,
        updated_at: user.updated_at,
        last_sign_in_at: Some(user.updated_at),
    }
}

/// The `seed-report` preset's users.
pub fn seed_report() -> Vec<SandboxUser> {
    scenario::seed_report_clerk_users()
        .iter()
        .map(from_clerk_user)
        .collect()
}

/// `count` users, the same for the same seed, created over two years (a few share a millisecond).
pub fn generated(count: usize, seed: u64) -> Vec<SandboxUser> {
    let mut rng = SplitMix64::new(seed);
    let mut created_at = EPOCH_MS;
    let step = (SPAN_MS / count.max(1) as i64).max(1);
    (0..count)
        .map(|i| {
            // Every 40th user signs up in the same millisecond as the previous one.
            if !rng.chance(0.025) {
                created_at += 1 + rng.below(2 * step as u64) as i64;
            }
            generated_user(&mut rng, i, created_at)
        })
        .collect()
}

/// One generated user, at `created_at`.
pub fn generated_user(rng: &mut SplitMix64, n: usize, created_at: i64) -> SandboxUser {
    let first = *rng.pick(&FIRST);
    let last = *rng.pick(&LAST);
    let local = format!(
        "{}.{}{n}",
        first.to_lowercase(),
        last.to_lowercase().replace(' ', "")
    );
    let domain = *rng.pick(&DOMAINS);
    let roll = rng.unit();
    let address = |rng: &mut SplitMix64, local: &str, strategy: &'static str| Email {
        id: rng.clerk_id("idn_"),
        address: format!("{local}@{domain}"),
        strategy,
        verified: true,
    };
    let (emails, primary, phones) = if roll < 0.04 {
        // Phone-only sign-up: no email at all.
        (
            vec![],
            None,
            vec![Phone {
                id: rng.clerk_id("idn_"),
                number: format!("+1555{:07}", n % 10_000_000),
            }],
        )
    } else if roll < 0.07 {
        // Addresses but no primary (the primary was removed).
        let email = address(rng, &local, "email_code");
        (vec![email], None, vec![])
    } else if roll < 0.13 {
        // Several addresses; the primary is the second one, not the first.
        let old = address(rng, &format!("{local}.old"), "email_code");
        let mut new = address(rng, &local, "admin");
        new.verified = true;
        let mut unverified = address(rng, &format!("{local}.alt"), "email_code");
        unverified.verified = false;
        let primary = new.id.clone();
        (vec![old, new, unverified], Some(primary), vec![])
    } else if roll < 0.16 {
        // A test identity.
        let email = address(rng, &format!("{local}+clerk_test"), "email_code");
        let primary = email.id.clone();
        (vec![email], Some(primary), vec![])
    } else {
        let strategy = if rng.chance(0.3) {
            "from_oauth_google"
        } else {
            "email_code"
        };
        let email = address(rng, &local, strategy);
        let primary = email.id.clone();
        (vec![email], Some(primary), vec![])
    };
    let updated_at = created_at + rng.below(90 * 86_400_000) as i64;
    SandboxUser {
        id: rng.clerk_id("user_"),
        emails,
        primary_email_id: primary,
        phones,
        first_name: (!rng.chance(0.08)).then(|| first.to_string()),
        last_name: (!rng.chance(0.12)).then(|| last.to_string()),
        username: rng.chance(0.3).then(|| local.replace('.', "_")),
        external_id: rng.chance(0.1).then(|| format!("legacy-{n}")),
        banned: rng.chance(0.02),
        password_enabled: rng.chance(0.6),
        created_at,
        updated_at,
        last_sign_in_at: rng.chance(0.85).then_some(updated_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_has_the_odd_cases() {
        let users = generated(2_000, 42);
        assert_eq!(users, generated(2_000, 42), "same seed, same users");
        assert!(
            users.windows(2).all(|w| w[0].created_at <= w[1].created_at),
            "created in order"
        );
        assert!(
            users.iter().any(|u| u.emails.is_empty()),
            "some users have no email"
        );
        assert!(
            users
                .iter()
                .any(|u| !u.emails.is_empty() && u.primary_email_id.is_none()),
            "some have no primary"
        );
        assert!(
            users
                .iter()
                .any(|u| u.emails.len() > 1
                    && u.primary_email() != Some(u.emails[0].address.as_str())),
            "primary not first"
        );
        assert!(users.iter().any(|u| u.first_name.is_none()), "null names");
        assert!(users.iter().any(|u| u.banned), "banned users");
        assert!(
            users
                .iter()
                .any(|u| u.primary_email().is_some_and(|e| e.contains("+clerk_test"))),
            "test identities"
        );
        assert!(
            users.windows(2).any(|w| w[0].created_at == w[1].created_at),
            "ties on created_at"
        );
        let ids: std::collections::HashSet<_> = users.iter().map(|u| &u.id).collect();
        assert_eq!(ids.len(), users.len(), "ids are unique");
    }

    #[test]
    fn seed_report_round_trips_to_the_scenario() {
        let users: Vec<ClerkUser> = seed_report()
            .iter()
            .map(|u| crate::clerk::user_from_value(u.to_json()).unwrap())
            .collect();
        assert_eq!(
            users,
            scenario::seed_report_clerk_users(),
            "the preset serves exactly the scenario's users"
        );
    }
}
