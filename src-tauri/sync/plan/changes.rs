//! The values an operation writes: Clerk's values of the Clerk-owned fields, the changes a
//! matched document needs, and the fallbacks for placeholders Clerk has nothing to replace with.

use super::FieldChange;
use crate::diff::{DiffEntry, Field, Reason};
use crate::mongo::Fallbacks;
use crate::sync::fallback;
use crate::user::{ClerkUser, UserFields};

/// The changes as the fields to set (`None` = leave alone), for a conditional `$set`.
pub fn fields_of(changes: &[FieldChange]) -> UserFields {
    let mut fields = UserFields::default();
    for change in changes {
        let slot = match change.field {
            Field::Email => &mut fields.email,
            Field::Name => &mut fields.name,
            Field::Username => &mut fields.username,
        };
        *slot = Some(change.to.clone());
    }
    fields
}

/// Clerk's values of the Clerk-owned fields (trimmed; `None` where Clerk has none).
pub fn clerk_fields(user: &ClerkUser) -> UserFields {
    UserFields {
        email: present(&user.primary_email),
        name: user.full_name(),
        username: present(&user.username),
    }
}

/// The fields to write: Clerk's values that differ, then the fallback for each placeholder Clerk
/// has no value to replace with; in field order.
pub(super) fn changes(entry: &DiffEntry<'_>, fallbacks: &Fallbacks) -> Vec<FieldChange> {
    let mut changes: Vec<FieldChange> = entry
        .differences()
        .map(|(field, to, from)| FieldChange {
            field,
            from: from.map(str::to_string),
            to: to.to_string(),
            derived: false,
        })
        .collect();
    let Some(user) = entry.clerk else {
        return changes;
    };
    // What a created user would hold: Clerk's values, and the fallbacks where Clerk has none
    // (the username first, so a name can come from it); worked out only for a placeholder.
    let mut filled: Option<UserFields> = None;
    for reason in &entry.reasons {
        let Reason::PlaceholderField { field, value } = reason else {
            continue;
        };
        if changes.iter().any(|c| c.field == *field) {
            continue;
        }
        let filled = filled.get_or_insert_with(|| {
            let mut fields = clerk_fields(user);
            fallback::fill(&mut fields, fallbacks);
            fields
        });
        let to = match field {
            Field::Username => filled.username.clone(),
            Field::Name => filled.name.clone(),
            Field::Email => None,
        };
        // Nothing to derive from, or the fallback is the stand-in itself: nothing to write.
        if let Some(to) = to.filter(|to| to != value) {
            changes.push(FieldChange {
                field: *field,
                from: Some(value.clone()),
                to,
                derived: true,
            });
        }
    }
    changes.sort_by_key(|c| Field::ALL.iter().position(|f| *f == c.field));
    changes
}

fn present(value: &Option<String>) -> Option<String> {
    crate::diff::present(value.as_deref()).map(str::to_string)
}
