//! The plan as plain text for `--dry-run`: one line per operation or skipped user, then a total.

use std::fmt;

use super::{FieldChange, SyncOp, SyncPlan};
use crate::diff::Field;
use crate::user::UserFields;

/// The mark of a value that is the mapping's fallback (Clerk has none).
const FALLBACK: &str = " (fallback: Clerk has none)";

impl fmt::Display for SyncOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncOp::Create {
                clerk_id,
                fields,
                app_fields,
                derived,
            } => {
                write!(f, "create      {clerk_id}: {}", Values(fields, derived))?;
                for (name, value) in app_fields {
                    write!(f, ", {name} {value}")?;
                }
                Ok(())
            }
            SyncOp::Update {
                doc_id,
                clerk_id,
                changes,
            } => {
                write!(
                    f,
                    "update      doc {doc_id} ({clerk_id}): {}",
                    Changes(changes)
                )
            }
            SyncOp::Link {
                doc_id,
                clerk_id,
                fields,
            } => {
                write!(f, "link        doc {doc_id} -> {clerk_id}")?;
                let nothing = [&fields.email, &fields.name, &fields.username]
                    .iter()
                    .all(|v| v.is_none());
                if nothing {
                    Ok(())
                } else {
                    write!(f, ", set {}", Values(fields, &[]))
                }
            }
            SyncOp::Deactivate {
                doc_id,
                clerk_id,
                reason,
            } => {
                write!(f, "deactivate  doc {doc_id} ({clerk_id}): {reason}")
            }
            SyncOp::Delete {
                doc_id,
                clerk_id,
                reason,
            } => {
                write!(f, "delete      doc {doc_id} ({clerk_id}): {reason}")
            }
        }
    }
}

impl fmt::Display for SyncPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for op in &self.ops {
            writeln!(f, "{op}")?;
        }
        for skipped in &self.skipped {
            writeln!(
                f,
                "skip        {} {}: {}",
                skipped.category, skipped.key, skipped.why
            )?;
        }
        let mut kinds: Vec<(&str, usize)> = Vec::new();
        for op in &self.ops {
            let kind = op.name();
            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => kinds.push((kind, 1)),
            }
        }
        let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let plural = if self.ops.len() == 1 { "" } else { "s" };
        write!(f, "{} operation{plural}", self.ops.len())?;
        if !kinds.is_empty() {
            write!(f, " ({})", kinds.join(", "))?;
        }
        write!(f, ", {} skipped", self.skipped.len())
    }
}

/// `email "a@example.com", name "Ada", username "ada" (fallback)`: the fields that are set,
/// those from the mapping's fallbacks marked.
struct Values<'a>(&'a UserFields, &'a [Field]);

impl fmt::Display for Values<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields = [
            (Field::Email, &self.0.email),
            (Field::Name, &self.0.name),
            (Field::Username, &self.0.username),
        ];
        let mut first = true;
        for (field, value) in fields {
            if let Some(value) = value {
                write!(f, "{}{field} {value:?}", if first { "" } else { ", " })?;
                if self.1.contains(&field) {
                    f.write_str(FALLBACK)?;
                }
                first = false;
            }
        }
        if first {
            f.write_str("no field")
        } else {
            Ok(())
        }
    }
}

/// `email "old" -> "new", name (none) -> "Ada"`.
struct Changes<'a>(&'a [FieldChange]);

impl fmt::Display for Changes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, change) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            match &change.from {
                Some(from) => write!(f, "{sep}{} {from:?} -> {:?}", change.field, change.to)?,
                None => write!(f, "{sep}{} (none) -> {:?}", change.field, change.to)?,
            }
            if change.derived {
                f.write_str(FALLBACK)?;
            }
        }
        Ok(())
    }
}
