//! Unit tests of the plan: one operation kind per test, the policy switches, the text and JSON.

use mongodb::bson::Bson;

use super::*;
use crate::diff::{DiffContext, diff_users};
use crate::user::{ClerkUser, DbUser};

fn id(n: u32) -> String {
    format!("user_2o9QUL1HBjwFSVmJt9Jo1y{n:04}")
}

fn clerk(n: u32, email: &str) -> ClerkUser {
    ClerkUser {
        id: id(n),
        primary_email: Some(email.into()),
        emails: vec![email.into()],
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        username: Some(format!("ada{n}")),
        external_id: None,
        banned: false,
        created_at: 1_755_900_000_000,
        updated_at: 1_755_900_000_000,
    }
}

fn doc(n: i64, clerk_id: Option<String>, email: &str) -> DbUser {
    DbUser {
        doc_id: DocId::from(Bson::Int64(n)),
        user_id: Some(n),
        clerk_id,
        email: Some(email.into()),
        name: Some("Ada Lovelace".into()),
        username: Some(format!("ada{n}")),
        auth_provider: Some("clerk".into()),
        active: Some(true),
        status: Some("active".into()),
        app_fields: Default::default(),
        problems: vec![],
    }
}

fn plan_of(clerk: &[ClerkUser], db: &[DbUser], policy: &SyncPolicy) -> SyncPlan {
    plan(&diff_users(clerk, db, &DiffContext::default()), policy)
}

#[test]
fn missing_users_are_created_with_clerks_values_and_the_policys_app_fields() {
    let policy = SyncPolicy {
        app_fields: [("role".to_string(), serde_json::json!("vendor"))].into(),
        ..SyncPolicy::default()
    };
    let plan = plan_of(&[clerk(1, " ada@example.com ")], &[], &policy);
    let expected = SyncOp::Create {
        clerk_id: id(1),
        fields: UserFields {
            email: Some("ada@example.com".into()),
            name: Some("Ada Lovelace".into()),
            username: Some("ada1".into()),
        },
        app_fields: policy.app_fields.clone(),
        derived: vec![],
    };
    assert_eq!(
        plan.ops,
        vec![expected],
        "one create, trimmed values from Clerk"
    );
    let user = plan.ops[0].new_user().unwrap();
    assert_eq!(
        user.clerk_id,
        Some(id(1)),
        "created with its Clerk id, so apply can upsert by it"
    );
}

#[test]
fn a_user_clerk_has_no_username_or_name_for_gets_the_fallbacks_made_unique() {
    let mut bare = clerk(1, "shayan.toor@example.com");
    (bare.first_name, bare.last_name, bare.username) = (None, None, None);
    let mut twin = clerk(2, "shayan.toor@example.org");
    (twin.first_name, twin.last_name, twin.username) = (None, None, None);
    // A local user already holds the plain name.
    let mut local = doc(9, None, "someone@example.com");
    local.username = Some("shayan.toor".into());
    let plan = plan_of(&[bare, twin], &[local], &SyncPolicy::default());
    let created: Vec<(&str, &str, &[Field])> = plan
        .ops
        .iter()
        .filter_map(|op| match op {
            SyncOp::Create {
                fields, derived, ..
            } => Some((
                fields.username.as_deref()?,
                fields.name.as_deref()?,
                derived.as_slice(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        created,
        vec![
            (
                "shayan.toor_2",
                "shayan.toor",
                &[Field::Username, Field::Name][..]
            ),
            (
                "shayan.toor_3",
                "shayan.toor",
                &[Field::Username, Field::Name][..]
            ),
        ],
        "the email's local part, numbered past the names other documents (and this plan) hold; the name from it"
    );
    assert!(
        plan.to_string().contains("(fallback: Clerk has none)"),
        "the review says which values are fallbacks: {plan}"
    );
    let off = SyncPolicy {
        fallbacks: Fallbacks {
            username: None,
            name: None,
        },
        ..SyncPolicy::default()
    };
    let mut bare = clerk(3, "ada@example.com");
    (bare.first_name, bare.last_name, bare.username) = (None, None, None);
    let plan = plan_of(&[bare], &[], &off);
    assert!(
        matches!(&plan.ops[0], SyncOp::Create { fields, derived, .. } if fields.username.is_none() && fields.name.is_none() && derived.is_empty()),
        "with the fallbacks off nothing is made up: {plan:?}"
    );
}

#[test]
fn a_placeholder_clerk_cannot_replace_gets_the_fallback() {
    let mut zen = clerk(1, "zena.morgan@example.com");
    zen.username = None;
    let mut stand_in = doc(32, Some(id(1)), "user_2o9QUL1H@placeholder.example.com");
    stand_in.username = Some("user_2o9QUL1H".into());
    stand_in.name = Some("user_2o9QUL1H".into());
    let plan = plan_of(&[zen], &[stand_in], &SyncPolicy::default());
    let SyncOp::Update { changes, .. } = &plan.ops[0] else {
        panic!("the placeholder entry is updated: {plan:?}");
    };
    let written: Vec<(Field, &str, bool)> = changes
        .iter()
        .map(|c| (c.field, c.to.as_str(), c.derived))
        .collect();
    assert_eq!(
        written,
        vec![
            (Field::Email, "zena.morgan@example.com", false),
            (Field::Name, "Ada Lovelace", false),
            (Field::Username, "zena.morgan", true),
        ],
        "Clerk's email and name; the username Clerk lacks comes from the real email, not the placeholder"
    );
    let mut nameless = clerk(2, "casey.nguyen@example.com");
    (nameless.first_name, nameless.last_name, nameless.username) = (None, None, None);
    let mut stand_in = doc(33, Some(id(2)), "casey.nguyen@example.com");
    stand_in.username = Some("user_2o9QUL1H".into());
    stand_in.name = Some("user_2o9QUL1H".into());
    let plan = plan_of(&[nameless], &[stand_in], &SyncPolicy::default());
    let SyncOp::Update { changes, .. } = &plan.ops[0] else {
        panic!("the placeholder entry is updated: {plan:?}");
    };
    let written: Vec<(Field, &str)> = changes.iter().map(|c| (c.field, c.to.as_str())).collect();
    assert_eq!(
        written,
        vec![
            (Field::Name, "casey.nguyen"),
            (Field::Username, "casey.nguyen")
        ],
        "no name in Clerk either: the name from the username just derived, as a create would get"
    );
}

#[test]
fn drift_updates_only_the_fields_that_differ() {
    let plan = plan_of(
        &[clerk(1, "new@example.com")],
        &[doc(1, Some(id(1)), "old@example.com")],
        &SyncPolicy::default(),
    );
    let change = FieldChange {
        field: Field::Email,
        from: Some("old@example.com".into()),
        to: "new@example.com".into(),
        derived: false,
    };
    assert_eq!(
        plan.ops,
        vec![SyncOp::Update {
            doc_id: DocId::from(Bson::Int64(1)),
            clerk_id: id(1),
            changes: vec![change.clone()]
        }],
        "name and username agree, so only the email changes"
    );
    assert_eq!(
        fields_of(&[change]),
        UserFields {
            email: Some("new@example.com".into()),
            ..UserFields::default()
        },
        "unchanged fields stay None, which the update leaves alone"
    );
}

#[test]
fn links_record_the_clerk_id_and_bring_differing_fields() {
    let mut local = doc(5, Some("clerk_5".into()), "ada@example.com");
    local.name = Some("ada".into());
    let plan = plan_of(
        &[clerk(1, "ada@example.com")],
        &[local],
        &SyncPolicy::default(),
    );
    let SyncOp::Link {
        clerk_id, fields, ..
    } = &plan.ops[0]
    else {
        panic!("a placeholder id with a matching email is linked: {plan:?}");
    };
    assert_eq!(clerk_id, &id(1));
    assert_eq!(
        fields.name.as_deref(),
        Some("Ada Lovelace"),
        "the name differed"
    );
    assert_eq!(
        fields.email, None,
        "the email already matches, nothing to write"
    );
}

#[test]
fn orphans_are_deactivated_once_and_deleted_only_on_request() {
    let gone = doc(7, Some(id(7)), "gone@example.com");
    let plan = plan_of(&[], std::slice::from_ref(&gone), &SyncPolicy::default());
    assert!(
        matches!(&plan.ops[..], [SyncOp::Deactivate { .. }]),
        "soft delete by default: {plan:?}"
    );
    let mut done = gone.clone();
    done.active = Some(false);
    done.status = Some(DELETED_IN_CLERK.into());
    assert!(
        plan_of(&[], &[done.clone()], &SyncPolicy::default()).is_empty(),
        "already deactivated"
    );
    let delete = SyncPolicy {
        delete_orphans: true,
        ..SyncPolicy::default()
    };
    let plan = plan_of(&[], &[done], &delete);
    assert!(
        matches!(&plan.ops[..], [SyncOp::Delete { .. }]),
        "asked to delete: {plan:?}"
    );
}

#[test]
fn suspicious_users_are_fixed_when_unambiguous_and_skipped_otherwise() {
    let mut placeholder = doc(33, Some(id(1)), "user_2o9QUL1H@placeholder.example.com");
    placeholder.name = Some("user_2o9QUL1H".into());
    placeholder.username = Some("ada1".into());
    let plan = plan_of(
        &[clerk(1, "ada@example.com")],
        &[placeholder],
        &SyncPolicy::default(),
    );
    let SyncOp::Update { changes, .. } = &plan.ops[0] else {
        panic!("matched by a real Clerk id: fix the placeholders from Clerk: {plan:?}");
    };
    let fields: Vec<Field> = changes.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        [Field::Email, Field::Name],
        "both placeholders are replaced"
    );
    let twins = [
        doc(1, Some(id(1)), "ada@example.com"),
        doc(2, Some(id(1)), "ada@example.com"),
    ];
    let plan = plan_of(
        &[clerk(1, "ada@example.com")],
        &twins,
        &SyncPolicy::default(),
    );
    assert!(
        plan.ops.is_empty(),
        "sync cannot choose between two copies: {plan:?}"
    );
    assert_eq!(plan.skipped.len(), 2, "both copies are listed for a person");
    assert!(
        plan.skipped[0]
            .why
            .starts_with("needs a person: 2 documents carry Clerk id"),
        "{}",
        plan.skipped[0].why
    );
}

#[test]
fn only_limits_the_plan_and_local_users_never_get_operations() {
    let users = [clerk(1, "ada@example.com")];
    let mut local = doc(9, None, "bella@example.com");
    local.auth_provider = Some("local".into());
    let docs = [doc(7, Some(id(7)), "gone@example.com"), local];
    let only_orphans = SyncPolicy {
        only: Some([Category::Orphaned].into()),
        ..SyncPolicy::default()
    };
    let plan = plan_of(&users, &docs, &only_orphans);
    assert_eq!(
        plan.ops.len(),
        1,
        "the missing user is not in --only orphaned: {plan:?}"
    );
    let all = plan_of(&users, &docs, &SyncPolicy::default());
    assert_eq!(
        all.ops.len(),
        2,
        "create + deactivate; the local account gets nothing"
    );
}

#[test]
fn plans_print_for_dry_run_and_serialise_tagged() {
    let plan = plan_of(
        &[clerk(1, "ada@example.com")],
        &[doc(7, Some(id(7)), "gone@example.com")],
        &SyncPolicy::default(),
    );
    let text = plan.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "create      {}: email \"ada@example.com\", name \"Ada Lovelace\", username \"ada1\"",
            id(1)
        ),
        "one line per operation"
    );
    assert!(lines[1].starts_with("deactivate  doc 7 ("), "{text}");
    assert_eq!(
        lines[2], "2 operations (1 create, 1 deactivate), 0 skipped",
        "then the total"
    );
    let json = serde_json::to_value(&plan.ops[1]).unwrap();
    assert_eq!(json["op"], "deactivate", "ops are tagged by `op`");
    assert_eq!(json["doc_id"], 7, "the document id exactly as stored");
}
