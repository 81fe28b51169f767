//! The MongoDB user store against the real test server: round trips, concurrent creates,
//! duplicates, bad documents, indexes over existing duplicates, other field names, errors.

use std::collections::BTreeSet;

use futures_util::TryStreamExt;
use mongodb::bson::{Document, doc};
use syncdesk::diff::Field;
use syncdesk::mongo::journal::Source;
use syncdesk::mongo::{Error, FieldMapping, UserStore};
use syncdesk::secrets::Sensitive;
use syncdesk::sync::apply::{ApplyContext, apply};
use syncdesk::sync::{FieldChange, SyncOp, SyncPlan};
use syncdesk::user::{NewUser, UserFields};

use crate::support::{test_db, test_db_with};

fn new_user(clerk_id: Option<&str>, email: &str) -> NewUser {
    NewUser {
        clerk_id: clerk_id.map(Into::into),
        fields: UserFields {
            email: Some(email.into()),
            name: Some("Ada Example".into()),
            username: None,
        },
        clerk_updated_at: None,
        app_fields: Default::default(),
    }
}

#[tokio::test]
async fn create_read_update_link_deactivate_round_trip() {
    let Some(db) = test_db("round_trip").await else {
        return;
    };
    // As `syncdesk db indexes` leaves it: writes need the unique indexes.
    db.store.ensure_indexes().await.unwrap();
    let store = &db.store;
    let created = store
        .create_user(&new_user(
            Some("user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl"),
            "ada@example.com",
        ))
        .await
        .unwrap();
    assert_eq!(
        created.user_id,
        Some(1),
        "the first id in an empty collection is 1"
    );
    assert_eq!(
        created.status.as_deref(),
        Some("active"),
        "defaults from the mapping are applied"
    );

    // A field the mapping does not know, written by the backend, must survive our updates.
    store
        .database()
        .collection::<Document>("users")
        .update_one(
            doc! {"_id": created.doc_id.to_bson()},
            doc! {"$set": {"favourite_dish": "pho"}},
        )
        .await
        .unwrap();
    let local = store
        .create_user(&new_user(None, "local@example.com"))
        .await
        .unwrap();
    // Every later write goes through the one write path, as sync, manual creation and the
    // listener write.
    let change = |field, to: &str| FieldChange {
        field,
        from: None,
        to: to.into(),
        derived: false,
    };
    let ops = vec![
        SyncOp::Update {
            doc_id: created.doc_id.clone(),
            clerk_id: "user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl".into(),
            changes: vec![
                change(Field::Email, "ada.l@example.com"),
                change(Field::Username, "ada"),
            ],
        },
        SyncOp::Deactivate {
            doc_id: created.doc_id.clone(),
            clerk_id: "user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl".into(),
            reason: "not in Clerk".into(),
        },
        SyncOp::Link {
            doc_id: local.doc_id.clone(),
            clerk_id: "user_2qS7tOorK3vB9wXhL1mPz6yQeNd".into(),
            fields: UserFields::default(),
        },
    ];
    let plan = SyncPlan {
        ops,
        ..SyncPlan::default()
    };
    let ctx = ApplyContext {
        source: Source::Sync,
        now_ms: 1,
    };
    let report = apply(store, &plan, ctx, |_| {}).await.unwrap();
    assert_eq!(report.done, 3, "update, deactivate, link: {report:?}");

    assert_eq!(store.count().await.unwrap(), 2);
    let user = &store
        .find_user(&created.doc_id)
        .await
        .unwrap()
        .expect("the deactivated document stays");
    assert_eq!(
        user.email.as_deref(),
        Some("ada.l@example.com"),
        "the update sets the email"
    );
    assert_eq!(
        user.name.as_deref(),
        Some("Ada Example"),
        "a None field is left alone"
    );
    assert_eq!(
        user.active,
        Some(false),
        "deactivate is soft: the document stays, inactive"
    );
    assert_eq!(user.status.as_deref(), Some("deleted_in_clerk"));
    let raw = store
        .database()
        .collection::<Document>("users")
        .find_one(doc! {"_id": created.doc_id.to_bson()})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        raw.get_str("favourite_dish").unwrap(),
        "pho",
        "unknown fields are preserved on update"
    );

    let linked = store.find_user(&local.doc_id).await.unwrap().unwrap();
    assert_eq!(
        linked.clerk_id.as_deref(),
        Some("user_2qS7tOorK3vB9wXhL1mPz6yQeNd")
    );
    assert_eq!(linked.user_id, Some(2), "ids continue from the last one");
    db.cleanup().await;
}

#[tokio::test]
async fn fifty_concurrent_creates_get_fifty_unique_ids() {
    let Some(db) = test_db("concurrent_creates").await else {
        return;
    };
    // As `syncdesk db indexes` leaves it: writes need the unique indexes.
    db.store.ensure_indexes().await.unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = db.store.clone();
            tokio::spawn(async move {
                store
                    .create_user(&new_user(
                        Some(&format!("user_concurrent{i:020}")),
                        &format!("c{i}@example.com"),
                    ))
                    .await
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        let user = task
            .await
            .unwrap()
            .expect("every concurrent create succeeds");
        ids.insert(user.user_id.unwrap());
    }
    assert_eq!(ids.len(), 50, "no two creators got the same id");
    assert_eq!(
        db.store.count().await.unwrap(),
        50,
        "nothing was written twice"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn app_creates_never_collide_with_a_backend_using_max_plus_one() {
    let Some(db) = test_db("backend_race").await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let users = db.store.database().collection::<Document>("users");
    // The report's backend: read the max, insert max + 1, no counter.
    let backend = {
        let users = users.clone();
        tokio::spawn(async move {
            let mut rejected = 0;
            for i in 0..30 {
                let top = users
                    .find_one(doc! {})
                    .sort(doc! {"user_id": -1})
                    .await
                    .unwrap();
                let next = top
                    .and_then(|d| {
                        d.get_i64("user_id")
                            .ok()
                            .or(d.get_i32("user_id").ok().map(i64::from))
                    })
                    .unwrap_or(0)
                    + 1;
                if users
                    .insert_one(doc! {"user_id": next, "email": format!("b{i}@example.com")})
                    .await
                    .is_err()
                {
                    rejected += 1;
                }
            }
            rejected
        })
    };
    let app: Vec<_> = (0..30)
        .map(|i| {
            let store = db.store.clone();
            tokio::spawn(async move {
                store
                    .create_user(&new_user(None, &format!("a{i}@example.com")))
                    .await
            })
        })
        .collect();
    for task in app {
        task.await
            .unwrap()
            .expect("the app's creates retry past ids the backend took");
    }
    let rejected = backend.await.unwrap();
    let all: Vec<Document> =
        futures_util::TryStreamExt::try_collect(users.find(doc! {}).await.unwrap())
            .await
            .unwrap();
    let ids: BTreeSet<i64> = all
        .iter()
        .map(|d| {
            d.get_i64("user_id")
                .unwrap_or_else(|_| i64::from(d.get_i32("user_id").unwrap()))
        })
        .collect();
    assert_eq!(
        ids.len(),
        all.len(),
        "the unique index keeps every user_id distinct"
    );
    assert_eq!(
        all.len(),
        60 - rejected,
        "all 30 app creates landed; the backend lost {rejected} to its own race"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn a_second_user_with_the_same_clerk_id_is_refused_by_field_and_value() {
    let Some(db) = test_db("duplicate_clerk_id").await else {
        return;
    };
    // As `syncdesk db indexes` leaves it: writes need the unique indexes.
    db.store.ensure_indexes().await.unwrap();
    let id = "user_ZENmFBVBq4XoW2mEpAd1r7Tk3Js";
    db.store
        .create_user(&new_user(Some(id), "zena@example.com"))
        .await
        .unwrap();
    let err = db
        .store
        .create_user(&new_user(Some(id), "other@example.com"))
        .await
        .unwrap_err();
    match &err {
        Error::DuplicateKey { field, value, .. } => {
            assert_eq!(field, "clerk_user_id", "the message names the field");
            assert!(value.contains(id), "and the value: {value}");
        }
        other => panic!("expected a duplicate key error, got {other}"),
    }
    assert_eq!(
        db.store.count().await.unwrap(),
        1,
        "the refused user was not written"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn bad_documents_are_reported_and_the_rest_still_read() {
    let Some(db) = test_db("bad_documents").await else {
        return;
    };
    let users = db.store.database().collection::<Document>("users");
    users
        .insert_many([
            doc! {"user_id": 1, "email": "ok@example.com", "username": "ok", "is_active": true},
            doc! {"user_id": "two", "email": 42, "is_active": "yes"},
            doc! {"email": ["a@example.com"], "name": {"first": "x"}},
            doc! {"user_id": 4.0, "clerk_user_id": null},
        ])
        .await
        .unwrap();
    let all = db
        .store
        .list_users()
        .await
        .expect("bad documents never fail the read");
    assert_eq!(all.len(), 4, "every document is listed, bad or not");
    let clean = all.iter().filter(|u| u.problems.is_empty()).count();
    assert_eq!(
        clean, 2,
        "the first and the float-id documents are usable: {all:#?}"
    );
    let bad = all.iter().find(|u| {
        u.problems
            .iter()
            .any(|p| p.contains("`email` is an integer"))
    });
    assert_eq!(
        bad.expect("the second document's email is a number")
            .problems
            .len(),
        3,
        "user_id, email and is_active"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn indexes_are_created_or_their_blocking_duplicates_reported() {
    let Some(db) = test_db("index_duplicates").await else {
        return;
    };
    let users = db.store.database().collection::<Document>("users");
    users
        .insert_many([
            doc! {"user_id": 1, "clerk_user_id": "user_dup00000000000000000000"},
            doc! {"user_id": 2, "clerk_user_id": "user_dup00000000000000000000"},
            doc! {"user_id": 3, "clerk_user_id": null},
            doc! {"user_id": 4, "clerk_user_id": null},
        ])
        .await
        .unwrap();
    let report = db
        .store
        .ensure_indexes()
        .await
        .expect("duplicates are reported, not an error");
    assert!(
        report.is_unique("user_id"),
        "user ids are distinct, so that index is created"
    );
    assert!(
        !report.is_unique("clerk_user_id"),
        "the Clerk id index cannot exist over duplicates"
    );
    assert_eq!(
        report.duplicates.len(),
        1,
        "one value is duplicated (two nulls are not duplicates): {report:?}"
    );
    assert_eq!(report.duplicates[0].count, 2);
    assert_eq!(
        report.lookup,
        ["clerk_user_id", "user_id", "email", "username"],
        "lookup indexes are not unique, so duplicates never block them: {report:?}"
    );
    let again = db.store.ensure_indexes().await.unwrap();
    assert_eq!(again.unique, report.unique, "ensuring twice is harmless");
    assert_eq!(again.lookup, report.lookup, "ensuring twice is harmless");
    db.cleanup().await;
}

#[tokio::test]
async fn email_lookups_ignore_case_through_their_own_collation_index() {
    let Some(db) = test_db("email_ci").await else {
        return;
    };
    db.store
        .database()
        .collection::<Document>("users")
        .insert_many([
            doc! {"user_id": 1, "email": "Mixed.Case@Example.com"},
            doc! {"user_id": 2, "email": "other@example.com"},
        ])
        .await
        .unwrap();
    db.store.ensure_indexes().await.unwrap();
    let indexes: Vec<mongodb::IndexModel> = db
        .store
        .database()
        .collection::<Document>("users")
        .list_indexes()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let email_index = indexes
        .iter()
        .find(|i| i.keys == doc! {"email": 1})
        .expect("an email index exists after ensure_indexes");
    let collation = email_index
        .options
        .as_ref()
        .and_then(|o| o.collation.clone())
        .expect("the email index carries the lookup's collation, so the lookup can use it");
    assert_eq!(collation.locale, "en");
    let found = db
        .store
        .find_by_email(" mixed.case@EXAMPLE.com ")
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        1,
        "the stored capitals do not hide the document, and the other email does not match"
    );
    assert_eq!(found[0].email.as_deref(), Some("Mixed.Case@Example.com"));
    db.cleanup().await;
}

#[tokio::test]
async fn a_mapping_with_other_field_names_reads_and_writes_those_fields() {
    let mapping = FieldMapping {
        collection: "accounts".into(),
        clerk_id: "clerkId".into(),
        email: "mail".into(),
        name: "displayName".into(),
        username: "handle".into(),
        user_id: Some("seq".into()),
        auth_provider: None,
        active: Some("enabled".into()),
        status: None,
        clerk_updated_at: None,
        app_fields: vec!["tier".into()],
        defaults: serde_json::from_str(r#"{"enabled": true, "tier": "free"}"#).unwrap(),
        fallbacks: Default::default(),
    };
    let Some(db) = test_db_with("other_mapping", mapping).await else {
        return;
    };
    db.store.ensure_indexes().await.unwrap();
    let created = db
        .store
        .create_user(&new_user(
            Some("user_2o9QUL1HBjwFSVmJt9Jo1yA3PAl"),
            "m@example.com",
        ))
        .await
        .unwrap();
    let raw = db
        .store
        .database()
        .collection::<Document>("accounts")
        .find_one(doc! {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        raw.get_str("mail").unwrap(),
        "m@example.com",
        "the email went into the mapped field"
    );
    assert_eq!(
        raw.get_i64("seq").unwrap(),
        1,
        "the sequential id uses the mapped name"
    );
    assert!(
        raw.get("email").is_none() && raw.get("user_id").is_none(),
        "no default names leak in: {raw}"
    );
    let listed = db.store.list_users().await.unwrap();
    assert_eq!(listed[0].clerk_id, created.clerk_id);
    assert_eq!(
        listed[0].app_fields.get("tier"),
        Some(serde_json::json!("free"))
    );
    db.cleanup().await;
}

#[tokio::test]
async fn a_missing_collection_is_named_not_shown_as_empty() {
    let Some(db) = test_db("missing_collection").await else {
        return;
    };
    match db.store.list_users().await {
        Err(Error::CollectionMissing { collection, .. }) => assert_eq!(collection, "users"),
        other => panic!("an absent collection is likely a typo and must be said: {other:?}"),
    }
    db.cleanup().await;
}

#[tokio::test]
async fn an_unreachable_server_names_the_host_but_never_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let uri = format!(
        "mongodb://admin:hunter2secret@127.0.0.1:{port}/?serverSelectionTimeoutMS=500&directConnection=true"
    );
    let err = UserStore::connect(&Sensitive::new(uri), "app", FieldMapping::default())
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, Error::Connect { .. }),
        "a closed port is a connection problem: {message}"
    );
    assert!(
        message.contains(&format!("127.0.0.1:{port}")),
        "the host helps the user: {message}"
    );
    assert!(
        !message.contains("hunter2secret"),
        "the password never appears: {message}"
    );
}

#[tokio::test]
async fn a_write_without_the_unique_indexes_is_refused_and_says_how_to_create_them() {
    let Some(db) = test_db("no_indexes").await else {
        return;
    };
    let fresh = db
        .store
        .create_user(&new_user(
            Some("user_2NoIndexNoIndexNoIndex01"),
            "ada@example.com",
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(fresh, Error::CollectionMissing { .. }),
        "a database with no users collection (a typo?) is named as such: {fresh}"
    );
    // The backend's own collection, without Syncdesk's indexes.
    db.store
        .database()
        .collection::<mongodb::bson::Document>("users")
        .insert_one(mongodb::bson::doc! {"user_id": 1, "email": "local@example.com"})
        .await
        .unwrap();
    let err = db
        .store
        .create_user(&new_user(
            Some("user_2NoIndexNoIndexNoIndex01"),
            "ada@example.com",
        ))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, Error::IndexesMissing { .. })
            && text.contains("clerk_user_id, user_id")
            && text.contains("syncdesk db indexes"),
        "names the indexes, why, and how to create them: {text}"
    );
    assert_eq!(
        db.store.missing_unique_indexes().await.unwrap().len(),
        2,
        "nothing was created in the team's collection on its own"
    );
    db.store.ensure_indexes().await.unwrap();
    db.store
        .create_user(&new_user(
            Some("user_2NoIndexNoIndexNoIndex01"),
            "ada@example.com",
        ))
        .await
        .expect("once asked for, the indexes are there and the write goes ahead");
    db.cleanup().await;
}
