//! What a person typed to create a user by hand, and its checks: the email, an optional name,
//! and the app-owned fields the profile's mapping names (`role`, `phone`, … as the backend has
//! them). Every problem is reported with its field, so a form can show each beside its input.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a person typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManualUser {
    pub email: String,
    pub name: Option<String>,
    /// App-owned values by field name; only the mapping's `app_fields` are accepted.
    pub fields: BTreeMap<String, String>,
}

/// One field's problem, worded for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// `email`, `name`, or an app field's name.
    pub field: String,
    pub problem: String,
}

/// Every problem of `input` (empty when it can be created); `app_fields` are the mapping's.
pub fn problems(input: &ManualUser, app_fields: &[String]) -> Vec<FieldProblem> {
    let mut found = Vec::new();
    let mut add = |field: &str, problem: String| {
        found.push(FieldProblem {
            field: field.to_string(),
            problem,
        });
    };
    if let Some(problem) = email_problem(input.email.trim()) {
        add("email", problem.into());
    }
    if input
        .name
        .as_deref()
        .is_some_and(|n| n.trim().chars().count() > 200)
    {
        add("name", "longer than 200 characters".into());
    }
    for (field, value) in &input.fields {
        let value = value.trim();
        if !app_fields.iter().any(|f| f == field) {
            add(
                field,
                format!(
                    "the profile's mapping has no field {field:?}; it has {}",
                    if app_fields.is_empty() {
                        "none".to_string()
                    } else {
                        app_fields.join(", ")
                    }
                ),
            );
        } else if value.chars().count() > 500 {
            add(field, "longer than 500 characters".into());
        } else if field.contains("phone") && !value.is_empty() && !is_phone(value) {
            add(
                field,
                "use digits and + - ( ) . only, at least 5 digits".into(),
            );
        }
    }
    found
}

/// `input` trimmed (blank values dropped), or its first problem.
pub fn checked(input: &ManualUser, app_fields: &[String]) -> Result<ManualUser, FieldProblem> {
    if let Some(problem) = problems(input, app_fields).into_iter().next() {
        return Err(problem);
    }
    let trim = |v: &str| Some(v.trim().to_string()).filter(|s| !s.is_empty());
    Ok(ManualUser {
        email: input.email.trim().to_string(),
        name: input.name.as_deref().and_then(trim),
        fields: input
            .fields
            .iter()
            .filter_map(|(k, v)| trim(v).map(|v| (k.clone(), v)))
            .collect(),
    })
}

fn email_problem(email: &str) -> Option<&'static str> {
    if email.is_empty() {
        return Some("an email is needed, like ada@example.com");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Some("an address needs an @, like ada@example.com");
    };
    if local.is_empty()
        || domain.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Some("not a valid address, like ada@example.com");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control())
        || domain.contains('@')
        || email.len() > 254
    {
        return Some("may not contain spaces, a second @, or be longer than 254 characters");
    }
    None
}

fn is_phone(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && value.chars().filter(char::is_ascii_digit).count() >= 5
}

/// "Ada King Lovelace" → ("Ada", "King Lovelace"), as Clerk's first and last name.
pub fn split_name(name: Option<&str>) -> (Option<String>, Option<String>) {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => (None, None),
        Some(name) => match name.split_once(' ') {
            Some((first, last)) => (Some(first.to_string()), Some(last.trim().to_string())),
            None => (Some(name.to_string()), None),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app_fields() -> Vec<String> {
        ["role", "phone", "address"].map(String::from).to_vec()
    }

    fn input(email: &str) -> ManualUser {
        ManualUser {
            email: email.into(),
            ..ManualUser::default()
        }
    }

    fn with(field: &str, value: &str) -> ManualUser {
        ManualUser {
            fields: [(field.to_string(), value.to_string())].into(),
            ..input("a@example.com")
        }
    }

    #[test]
    fn addresses_are_checked_and_trimmed() {
        assert_eq!(
            checked(&input("  ada@example.com "), &app_fields())
                .unwrap()
                .email,
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada lovelace@example.com",
            "a@b@example.com",
        ] {
            let problem = checked(&input(bad), &app_fields()).unwrap_err();
            assert_eq!(problem.field, "email", "{bad:?} is refused as an email");
        }
    }

    #[test]
    fn app_fields_are_the_mappings_checked_and_blank_means_absent() {
        let phone = checked(&with("phone", "call me"), &app_fields()).unwrap_err();
        assert_eq!(phone.field, "phone", "a phone field holds a number");
        let unknown = checked(&with("shoe_size", "44"), &app_fields()).unwrap_err();
        assert!(
            unknown.field == "shoe_size" && unknown.problem.contains("role, phone, address"),
            "a field the mapping does not name is refused, the ones it names listed: {unknown:?}"
        );
        let blank = ManualUser {
            name: Some("  ".into()),
            fields: [
                ("phone".to_string(), "+1 555-0100".to_string()),
                ("role".to_string(), "  ".to_string()),
            ]
            .into(),
            ..input("a@example.com")
        };
        let ok = checked(&blank, &app_fields()).unwrap();
        assert_eq!(ok.name, None, "a blank name is no name");
        assert_eq!(
            ok.fields,
            [("phone".to_string(), "+1 555-0100".to_string())].into(),
            "a blank field is left out"
        );
        let all = problems(
            &ManualUser {
                email: "nope".into(),
                fields: [("phone".to_string(), "x".to_string())].into(),
                ..ManualUser::default()
            },
            &app_fields(),
        );
        assert_eq!(
            all.iter().map(|p| p.field.as_str()).collect::<Vec<_>>(),
            ["email", "phone"],
            "every problem at once, for a form to show each beside its field"
        );
        assert_eq!(
            split_name(Some("Ada King Lovelace")),
            (Some("Ada".into()), Some("King Lovelace".into()))
        );
    }
}
