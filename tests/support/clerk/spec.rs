//! Clerk's published schemas, read from the spec files themselves
//! (`../shared/clerk-spec/bapi-2026-05-12.yml` and `webhooks-2025-04-15.yml`, or the folder in
//! `SYNCDESK_CLERK_SPEC_DIR`), checked by a complete, independent validator: the `jsonschema`
//! crate (JSON Schema draft 4, which OpenAPI 3.0's schemas are a dialect of), with `pattern`s,
//! numeric bounds, `anyOf`, `allOf`, an exact `oneOf` and formats.
//!
//! The one translation: OpenAPI 3.0's `nullable: true` becomes `anyOf: [{type: null}, …]`.
//! Vendor keys (`x-speakeasy-unknown-values`, …) and `discriminator` are annotations and ignored,
//! as a validator that knows only the standard reads them: an enum is closed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value};

/// A schema in one of the specs: the translated spec and a JSON pointer into it.
#[derive(Clone, Copy)]
pub struct Schema {
    root: &'static Value,
    pointer: &'static str,
}

impl Schema {
    fn new(root: &'static Value, pointer: String) -> Self {
        // A handful per test run, kept for the run (the compiled validators are keyed by them).
        Self {
            root,
            pointer: Box::leak(pointer.into_boxed_str()),
        }
    }
}

/// The folder holding the specs: `SYNCDESK_CLERK_SPEC_DIR`, else `shared/clerk-spec/` beside the
/// checkout (or beside any folder above it, for worktrees).
fn spec_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SYNCDESK_CLERK_SPEC_DIR") {
        return PathBuf::from(dir);
    }
    let relative = Path::new("shared/clerk-spec");
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join(relative))
        .find(|candidate| candidate.join("bapi-2026-05-12.yml").is_file())
        .unwrap_or_else(|| {
            panic!("the Clerk specs are not in ../shared/clerk-spec/ (set SYNCDESK_CLERK_SPEC_DIR)")
        })
}

fn load(file: &str) -> Value {
    let path = spec_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the Clerk spec at {}: {e}", path.display()));
    let spec: Value =
        serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{file} does not parse: {e}"));
    translate(spec)
}

/// OpenAPI 3.0 → JSON Schema: every schema object with `nullable: true` also admits `null`.
fn translate(value: Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut object: Map<String, Value> = object
                .into_iter()
                .map(|(key, value)| (key, translate(value)))
                .collect();
            if object.get("nullable") == Some(&Value::Bool(true)) {
                object.remove("nullable");
                serde_json::json!({"anyOf": [{"type": "null"}, Value::Object(object)]})
            } else {
                Value::Object(object)
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(translate).collect()),
        other => other,
    }
}

/// The Backend API spec, loaded once per test run.
fn bapi() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| load("bapi-2026-05-12.yml"))
}

/// The webhooks spec, loaded once per test run.
fn webhooks() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| load("webhooks-2025-04-15.yml"))
}

/// A JSON pointer token: `~` and `/` escaped.
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Follows `$ref`s from `pointer` to the node they end at; returns its pointer.
fn resolve(root: &Value, mut pointer: String) -> String {
    while let Some(reference) = root
        .pointer(&pointer)
        .and_then(|node| node.get("$ref"))
        .and_then(Value::as_str)
    {
        pointer = reference.trim_start_matches('#').to_string();
        assert!(
            root.pointer(&pointer).is_some(),
            "dangling $ref {reference}"
        );
    }
    pointer
}

/// The schema of `method path`'s `status` response, as the Backend API spec declares it.
pub fn response_schema(path: &str, method: &str, status: &str) -> Schema {
    let root = bapi();
    let response = format!("/paths/{}/{method}/responses/{status}", token(path));
    assert!(
        root.pointer(&response).is_some(),
        "the spec declares no {status} response for {method} {path}"
    );
    let pointer = format!(
        "{}/content/{}/schema",
        resolve(root, response),
        token("application/json")
    );
    assert!(
        root.pointer(&pointer).is_some(),
        "{method} {path} {status} has no JSON schema in the spec"
    );
    Schema::new(root, pointer)
}

/// A named Backend API component schema (`User`, `ClerkErrors`, …).
pub fn component(name: &str) -> Schema {
    let root = bapi();
    let pointer = format!("/components/schemas/{}", token(name));
    assert!(
        root.pointer(&pointer).is_some(),
        "the spec has no schema {name}"
    );
    Schema::new(root, pointer)
}

/// The body schema of a webhook event (`user.created`, …), as the webhooks spec declares it.
pub fn webhook_schema(event_type: &str) -> Schema {
    let root = webhooks();
    let pointer = format!(
        "/x-webhooks/{}/post/requestBody/content/{}/schema",
        token(event_type),
        token("application/json")
    );
    assert!(
        root.pointer(&pointer).is_some(),
        "the webhooks spec has no {event_type} event"
    );
    Schema::new(root, pointer)
}

/// The validator of one schema, compiled once per test run: the whole translated spec as the
/// document (so its `#/components/…` references resolve), entered through a root `$ref`.
fn validator(schema: Schema) -> &'static jsonschema::Validator {
    static COMPILED: OnceLock<
        Mutex<HashMap<(usize, &'static str), &'static jsonschema::Validator>>,
    > = OnceLock::new();
    let key = (std::ptr::from_ref(schema.root) as usize, schema.pointer);
    let mut compiled = COMPILED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    compiled.entry(key).or_insert_with(|| {
        let mut document = schema.root.clone();
        document["$ref"] = Value::String(format!("#{}", schema.pointer));
        let built = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .build(&document)
            .unwrap_or_else(|e| {
                panic!(
                    "the spec's schema at {} does not compile: {e}",
                    schema.pointer
                )
            });
        Box::leak(Box::new(built))
    })
}

/// Every way `value` departs from `schema`, one line each with its JSON path; empty when valid.
pub fn violations(value: &Value, schema: Schema) -> Vec<String> {
    validator(schema)
        .iter_errors(value)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

/// Panics with the violations when `value` does not match.
pub fn assert_valid(value: &Value, schema: Schema, what: &str) {
    let found = violations(value, schema);
    assert!(
        found.is_empty(),
        "{what} does not match the spec:\n  {}",
        found.join("\n  ")
    );
}
