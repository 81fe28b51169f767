//! Named data sets that reproduce real situations, for the demo, the tests and the sandbox.
//!
//! `seed-report` is the database of the debug report this product answers: 31 seeded local users
//! (restaurants and vendors) and two placeholder entries a webhook handler made when it could not
//! read the email; on the Clerk side, those two users with their real addresses and one user who
//! signed up but never reached the database. All addresses are `example.com`.

use mongodb::bson::{Bson, Document};

use crate::mongo::FieldMapping;
use crate::user::ClerkUser;

/// The scenarios `syncdesk db seed` and `syncdesk sandbox --preset` know.
pub const NAMES: [&str; 1] = ["seed-report"];

/// The Clerk ids behind the report's two suspicious usernames (the usernames are their first
/// characters) and of the user missing from the database.
pub const ZEN_ID: &str = "user_ZENmFBVBq4XoW2mEpAd1r7Tk3Js";
pub const CN_ID: &str = "user_CNfpWudn8vLs0YhGk5JbQe2MzRa";
pub const MISSING_ID: &str = "user_2qS7tOorK3vB9wXhL1mPz6yQeNd";

const RESTAURANTS: [&str; 16] = [
    "Bella Trattoria",
    "Golden Wok",
    "Taco Fiesta",
    "Le Petit Bistro",
    "Sushi Zen",
    "Curry House",
    "Burger Barn",
    "Pho Saigon",
    "Olive Grove",
    "Smokehouse BBQ",
    "Green Bowl",
    "Pizza Napoli",
    "Seoul Kitchen",
    "Falafel Corner",
    "Noodle Bar",
    "Harbor Fish Grill",
];
const VENDORS: [&str; 15] = [
    "Fresh Farms Produce",
    "Ocean Catch Seafood",
    "Prime Meats Co",
    "Daily Bread Bakery",
    "Spice Route Traders",
    "Dairy Valley",
    "Green Leaf Organics",
    "Coastal Beverages",
    "Mountain Coffee Roasters",
    "Golden Grain Mills",
    "Sunrise Eggs",
    "Orchard Fruit Supply",
    "Pack & Go Supplies",
    "Clean Kitchen Co",
    "Urban Herb Growers",
];

/// The database side of `seed-report`: 33 documents, in the mapping's field names.
pub fn seed_report_documents(mapping: &FieldMapping) -> Vec<Document> {
    let mut docs = Vec::with_capacity(33);
    let locals = RESTAURANTS
        .iter()
        .map(|n| (n, "restaurant"))
        .chain(VENDORS.iter().map(|n| (n, "vendor")));
    for (i, (name, role)) in locals.enumerate() {
        let username = name
            .to_lowercase()
            .replace(" & ", "_")
            .replace([' ', '\''], "_");
        let n = i as i64 + 1;
        docs.push(document(
            mapping,
            Local {
                user_id: n,
                username: &username,
                email: &format!("{}@example.com", username.replace('_', ".")),
                name,
                role: Some(role),
                phone: &format!("+1-555-01{n:02}"),
                address: &format!("{} Market Street, Springfield", 10 + n),
                password_hash: Some(fake_bcrypt(&username)),
                clerk_id: None,
                provider: "local",
            },
        ));
    }
    for (n, id) in [(32, ZEN_ID), (33, CN_ID)] {
        let username = &id[..13];
        docs.push(document(
            mapping,
            Local {
                user_id: n,
                username,
                email: &format!("{username}@placeholder.example.com"),
                name: username,
                role: None,
                phone: "",
                address: "",
                password_hash: None,
                clerk_id: Some(id),
                provider: "clerk",
            },
        ));
    }
    docs
}

/// The Clerk side of `seed-report`: the two users behind the placeholders and the missing one.
pub fn seed_report_clerk_users() -> Vec<ClerkUser> {
    let user = |id: &str, first: &str, last: &str, email: &str, created_at: i64| ClerkUser {
        id: id.into(),
        primary_email: Some(email.into()),
        emails: vec![email.into()],
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        username: None,
        external_id: None,
        banned: false,
        created_at,
        updated_at: created_at + 1_000,
    };
    vec![
        user(
            ZEN_ID,
            "Zena",
            "Morgan",
            "zena.morgan@example.com",
            1_755_900_000_000,
        ),
        user(
            CN_ID,
            "Casey",
            "Nguyen",
            "casey.nguyen@example.com",
            1_756_000_000_000,
        ),
        user(
            MISSING_ID,
            "Shay",
            "Signup",
            "shay.signup@example.com",
            1_756_280_000_000,
        ),
    ]
}

struct Local<'a> {
    user_id: i64,
    username: &'a str,
    email: &'a str,
    name: &'a str,
    role: Option<&'a str>,
    phone: &'a str,
    address: &'a str,
    password_hash: Option<String>,
    clerk_id: Option<&'a str>,
    provider: &'a str,
}

fn document(mapping: &FieldMapping, user: Local<'_>) -> Document {
    let text = |v: Option<&str>| v.map_or(Bson::Null, |s| Bson::String(s.into()));
    let mut doc = Document::new();
    if let Some(field) = &mapping.user_id {
        doc.insert(field.clone(), user.user_id);
    }
    doc.insert(mapping.username.clone(), user.username);
    doc.insert(
        "password_hash",
        user.password_hash.map_or(Bson::Null, Bson::String),
    );
    doc.insert("role", text(user.role));
    doc.insert(mapping.name.clone(), user.name);
    doc.insert(mapping.email.clone(), user.email);
    doc.insert("phone", user.phone);
    doc.insert("address", user.address);
    doc.insert(mapping.clerk_id.clone(), text(user.clerk_id));
    if let Some(field) = &mapping.auth_provider {
        doc.insert(field.clone(), user.provider);
    }
    if let Some(field) = &mapping.active {
        doc.insert(field.clone(), true);
    }
    if let Some(field) = &mapping.status {
        doc.insert(field.clone(), "active");
    }
    doc
}

/// A bcrypt-shaped string (not a real hash of anything), stable per username.
fn fake_bcrypt(seed: &str) -> String {
    const ALPHABET: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let body: String = (0..53)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ALPHABET[(state % ALPHABET.len() as u64) as usize] as char
        })
        .collect();
    format!("$2b$12${body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_report_has_the_reports_shape() {
        let docs = seed_report_documents(&FieldMapping::default());
        assert_eq!(docs.len(), 33, "the report counts 33 users");
        let clerk: Vec<_> = docs
            .iter()
            .filter(|d| d.get_str("clerk_user_id").is_ok())
            .collect();
        assert_eq!(
            clerk.len(),
            2,
            "only the two suspicious entries carry a Clerk id"
        );
        let usernames: Vec<_> = clerk
            .iter()
            .map(|d| d.get_str("username").unwrap())
            .collect();
        assert_eq!(usernames, ["user_ZENmFBVB", "user_CNfpWudn"]);
        let locals = docs
            .iter()
            .filter(|d| d.get_str("auth_provider") == Ok("local"))
            .count();
        assert_eq!(locals, 31);
        assert!(
            docs.iter()
                .all(|d| d.get_str("email").unwrap().ends_with("example.com"))
        );
    }

    #[test]
    fn clerk_side_holds_the_missing_user() {
        let users = seed_report_clerk_users();
        assert!(
            users.iter().any(|u| u.id == MISSING_ID),
            "the user who signed up but is missing"
        );
        assert!(
            users
                .iter()
                .all(|u| u.id.len() == "user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl".len()),
            "real-length Clerk ids"
        );
    }
}
