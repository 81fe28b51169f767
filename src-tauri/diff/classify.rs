//! One entry per user: the category and reasons of a document (with the Clerk user it is paired
//! with) or of a Clerk user no document claims.
//!
//! Precedence: anything suspicious wins over drift, link, orphaned and local-only, so a user is in
//! exactly one category and a person sees every warning before sync touches it.

use super::fields::{field_differences, placeholder_fields, present};
use super::index::{Claim, Claimants, DocFacts};
use super::placeholder::{IdShape, id_shape, is_clerk_test_address, is_placeholder_email};
use super::{Category, DELETED_IN_CLERK, DiffContext, DiffEntry, Reason};
use crate::user::{ClerkUser, DbUser};

/// The entry of a Clerk user with no document.
pub fn missing<'a>(user: &'a ClerkUser) -> DiffEntry<'a> {
    let mut reasons = vec![Reason::NotInDatabase];
    if present(user.primary_email.as_deref()).is_none() {
        reasons.push(Reason::NoEmailInClerk);
    }
    DiffEntry::new(Category::Missing, reasons, Some(user), None)
}

/// The entry of one document, paired with its Clerk user when it is the chosen claimant.
pub fn document<'a>(
    d: usize,
    doc: &'a DbUser,
    facts: DocFacts,
    clerk: &'a [ClerkUser],
    claimants: &[Claimants],
    ctx: &DiffContext,
) -> DiffEntry<'a> {
    let clerk_id = present(doc.clerk_id.as_deref());
    let email = present(doc.email.as_deref());
    let mut flags = Vec::new();
    if let Some(id) = clerk_id
        && facts.same_id > 1
    {
        let count = facts.same_id as usize;
        flags.push(Reason::DuplicateClerkId {
            clerk_id: id.to_string(),
            count,
        });
    }
    if let Some(email) = email
        && facts.same_email > 1
    {
        let count = facts.same_email as usize;
        flags.push(Reason::DuplicateEmail {
            email: email.to_string(),
            count,
        });
    }
    let test_address = ctx.production && email.is_some_and(is_clerk_test_address);
    if test_address && let Some(email) = email {
        flags.push(Reason::ClerkTestAddress {
            email: email.to_string(),
        });
    }
    let placeholder_email = || {
        email
            .filter(|e| is_placeholder_email(e, clerk_id))
            .map(|e| Reason::PlaceholderEmail {
                email: e.to_string(),
            })
    };
    let (c, by_id) = match facts.claim {
        Claim::ById(c) => (c, true),
        Claim::ByEmail(c) => (c, false),
        Claim::Nothing => {
            if let Some(email) = email
                && facts.email_shared_in_clerk
            {
                flags.push(Reason::SharedEmailInClerk {
                    email: email.to_string(),
                });
            }
            flags.extend(placeholder_email());
            return unclaimed(doc, clerk_id, flags, test_address);
        }
    };
    let claimants = claimants[c];
    let user = &clerk[c];
    if claimants.total() > 1 && claimants.by_email > 0 {
        flags.push(Reason::SharedClerkUser {
            clerk_id: user.id.trim().to_string(),
            documents: claimants.total() as usize,
        });
    }
    let paired = (claimants.chosen == Some(d)).then_some(user);
    let differences = paired
        .map(|u| field_differences(u, doc))
        .unwrap_or_default();
    if by_id {
        flags.extend(placeholder_email());
        flags.extend(placeholder_fields(&differences, doc, paired, clerk_id));
        let category = match (flags.is_empty(), differences.is_empty()) {
            (false, _) => Category::Suspicious,
            (true, false) => Category::Drift,
            (true, true) => Category::InSync,
        };
        flags.extend(differences);
        return DiffEntry::new(category, flags, paired, Some(doc));
    }
    let matched = present(user.primary_email.as_deref()).unwrap_or_default();
    let mut link = vec![Reason::MatchedByEmail {
        email: matched.to_string(),
    }];
    match clerk_id.map(|id| (id, id_shape(id))) {
        Some((id, IdShape::Clerk)) => {
            flags.push(Reason::OtherClerkId {
                db_clerk_id: id.to_string(),
                clerk_id: user.id.trim().to_string(),
            });
            if ctx.production {
                flags.push(Reason::DevelopmentId {
                    clerk_id: id.to_string(),
                });
            }
        }
        Some((id, IdShape::Placeholder)) => {
            link.push(Reason::PlaceholderClerkId {
                clerk_id: id.to_string(),
            });
        }
        Some((id, IdShape::Other)) => link.push(Reason::NotAClerkId {
            clerk_id: id.to_string(),
        }),
        None => {}
    }
    link.extend(differences);
    let category = if flags.is_empty() {
        Category::Link
    } else {
        Category::Suspicious
    };
    flags.extend(link);
    DiffEntry::new(category, flags, paired, Some(doc))
}

/// A document no Clerk user matches: orphaned when its Clerk id is real-shaped, local-only when
/// it has none, suspicious when anything is off.
fn unclaimed<'a>(
    doc: &'a DbUser,
    clerk_id: Option<&str>,
    mut flags: Vec<Reason>,
    test_address: bool,
) -> DiffEntry<'a> {
    let category = match clerk_id.map(|id| (id, id_shape(id))) {
        Some((id, IdShape::Clerk)) => {
            if test_address {
                flags.push(Reason::DevelopmentId {
                    clerk_id: id.to_string(),
                });
            }
            let category = if flags.is_empty() {
                Category::Orphaned
            } else {
                Category::Suspicious
            };
            flags.push(Reason::NotInClerk {
                clerk_id: id.to_string(),
            });
            let deactivated = doc.active == Some(false)
                || doc.status.as_deref().map(str::trim) == Some(DELETED_IN_CLERK);
            if deactivated {
                flags.push(Reason::AlreadyDeactivated);
            }
            category
        }
        Some((id, IdShape::Placeholder)) => {
            flags.insert(
                0,
                Reason::PlaceholderClerkId {
                    clerk_id: id.to_string(),
                },
            );
            Category::Suspicious
        }
        Some((id, IdShape::Other)) => {
            flags.insert(
                0,
                Reason::NotAClerkId {
                    clerk_id: id.to_string(),
                },
            );
            Category::Suspicious
        }
        None => {
            let from_clerk = present(doc.auth_provider.as_deref())
                .is_some_and(|p| p.eq_ignore_ascii_case("clerk"));
            if from_clerk {
                flags.push(Reason::NoClerkId);
            }
            if flags.is_empty() {
                flags.push(Reason::NotFromClerk);
                Category::LocalOnly
            } else {
                Category::Suspicious
            }
        }
    };
    DiffEntry::new(category, flags, None, Some(doc))
}
