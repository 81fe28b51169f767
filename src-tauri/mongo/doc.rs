//! Document ↔ user: reading a stored document through the mapping, and building new ones.
//!
//! Reading never fails: a missing or wrongly typed field is left empty and reported in
//! `DbUser::problems`, so one bad document cannot hide the others.

use mongodb::bson::{Bson, Document};

use super::mapping::FieldMapping;
use crate::user::{DbUser, DocId, NewUser};

/// Reads a document into a `DbUser`, collecting what is wrong with it instead of failing.
pub fn to_user(doc: &Document, mapping: &FieldMapping) -> DbUser {
    let mut problems = Vec::new();
    let doc_id = DocId::from(doc.get("_id").cloned().unwrap_or(Bson::Null));
    let mut text = |field: &str| read_string(doc, field, &mut problems);
    let clerk_id = text(&mapping.clerk_id);
    let email = text(&mapping.email);
    let name = text(&mapping.name);
    let username = text(&mapping.username);
    let auth_provider = mapping.auth_provider.as_deref().and_then(&mut text);
    let status = mapping.status.as_deref().and_then(&mut text);
    let user_id = mapping
        .user_id
        .as_deref()
        .and_then(|f| read_int(doc, f, &mut problems));
    let active = mapping
        .active
        .as_deref()
        .and_then(|f| read_bool(doc, f, &mut problems));
    let app_fields = mapping
        .app_fields
        .iter()
        .filter_map(|f| {
            doc.get(f)
                .map(|v| (f.clone(), v.clone().into_relaxed_extjson()))
        })
        .collect();
    DbUser {
        doc_id,
        user_id,
        clerk_id,
        email,
        name,
        username,
        auth_provider,
        active,
        status,
        app_fields,
        problems,
    }
}

fn read_string(doc: &Document, field: &str, problems: &mut Vec<String>) -> Option<String> {
    match doc.get(field)? {
        Bson::String(s) => Some(s.clone()),
        Bson::Null => None,
        other => {
            problems.push(format!(
                "`{field}` is {}, expected a string",
                type_name(other)
            ));
            None
        }
    }
}

fn read_int(doc: &Document, field: &str, problems: &mut Vec<String>) -> Option<i64> {
    match doc.get(field) {
        Some(Bson::Int32(n)) => Some(i64::from(*n)),
        Some(Bson::Int64(n)) => Some(*n),
        Some(Bson::Double(d)) if d.fract() == 0.0 && d.abs() < 9.0e15 => Some(*d as i64),
        None | Some(Bson::Null) => {
            problems.push(format!("`{field}` is missing"));
            None
        }
        Some(other) => {
            problems.push(format!(
                "`{field}` is {}, expected an integer",
                type_name(other)
            ));
            None
        }
    }
}

fn read_bool(doc: &Document, field: &str, problems: &mut Vec<String>) -> Option<bool> {
    match doc.get(field)? {
        Bson::Boolean(b) => Some(*b),
        Bson::Null => None,
        other => {
            problems.push(format!(
                "`{field}` is {}, expected true or false",
                type_name(other)
            ));
            None
        }
    }
}

fn type_name(value: &Bson) -> &'static str {
    match value {
        Bson::String(_) => "a string",
        Bson::Int32(_) | Bson::Int64(_) => "an integer",
        Bson::Double(_) => "a number with a fraction",
        Bson::Boolean(_) => "a boolean",
        Bson::Array(_) => "an array",
        Bson::Document(_) => "an embedded document",
        Bson::ObjectId(_) => "an ObjectId",
        Bson::DateTime(_) => "a date",
        _ => "of another type",
    }
}

/// Builds the document for a new user: the mapping's defaults, then the user's values.
pub fn new_document(user: &NewUser, user_id: Option<i64>, mapping: &FieldMapping) -> Document {
    let mut doc = Document::new();
    for (key, value) in &mapping.defaults {
        if let Ok(bson) = Bson::try_from(value.clone()) {
            doc.insert(key.clone(), bson);
        }
    }
    if let (Some(field), Some(id)) = (&mapping.user_id, user_id) {
        doc.insert(field.clone(), id);
    }
    let optional = |v: &Option<String>| v.clone().map_or(Bson::Null, Bson::String);
    doc.insert(mapping.clerk_id.clone(), optional(&user.clerk_id));
    // A Clerk-owned field with no value (and no fallback) is not written at all: never a null
    // where the backend's schema may have a string (a default from the mapping may stand).
    for (field, value) in [
        (&mapping.email, &user.fields.email),
        (&mapping.name, &user.fields.name),
        (&mapping.username, &user.fields.username),
    ] {
        if let Some(value) = value {
            doc.insert(field.clone(), value.clone());
        }
    }
    if let (Some(field), Some(at)) = (&mapping.clerk_updated_at, user.clerk_updated_at) {
        doc.insert(field.clone(), at);
    }
    for (key, value) in &user.app_fields {
        if let Ok(bson) = Bson::try_from(value.clone()) {
            doc.insert(key.clone(), bson);
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;

    use super::*;
    use crate::user::UserFields;

    #[test]
    fn a_clean_document_reads_without_problems() {
        let mapping = FieldMapping::default();
        let d = doc! {"_id": 1, "user_id": 33, "username": "user_ZENmFBVB", "email": "a@example.com",
        "clerk_user_id": "user_ZENmFBVBq", "is_active": true, "role": null, "phone": ""};
        let user = to_user(&d, &mapping);
        assert!(
            user.problems.is_empty(),
            "nothing is wrong: {:?}",
            user.problems
        );
        assert_eq!(user.user_id, Some(33));
        assert_eq!(user.app_fields.get("phone"), Some(serde_json::json!("")));
    }

    #[test]
    fn wrong_types_and_missing_ids_are_reported_not_fatal() {
        let mapping = FieldMapping::default();
        let d = doc! {"_id": 2, "user_id": "seven", "email": 42, "is_active": "yes"};
        let user = to_user(&d, &mapping);
        assert_eq!(user.email, None, "a number is not an email");
        assert_eq!(
            user.problems.len(),
            3,
            "user_id, email and is_active are each wrong: {:?}",
            user.problems
        );
        let none = to_user(&doc! {"_id": 3}, &mapping);
        assert_eq!(none.problems, vec!["`user_id` is missing".to_string()]);
    }

    #[test]
    fn new_documents_start_from_the_defaults() {
        let mapping = FieldMapping::default();
        let user = NewUser {
            clerk_id: Some("user_abc".into()),
            fields: UserFields {
                email: Some("a@example.com".into()),
                ..UserFields::default()
            },
            clerk_updated_at: Some(1_756_000_000_000),
            app_fields: [("role".to_string(), serde_json::json!("vendor"))].into(),
        };
        let d = new_document(&user, Some(34), &mapping);
        assert_eq!(d.get_i64("user_id").unwrap(), 34);
        assert_eq!(
            d.get_str("status").unwrap(),
            "active",
            "from the mapping's defaults"
        );
        assert_eq!(
            d.get_str("role").unwrap(),
            "vendor",
            "the user's value beats the default"
        );
        assert_eq!(d.get("password_hash"), Some(&Bson::Null));
    }
}
