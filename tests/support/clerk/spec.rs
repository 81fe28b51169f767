//! A small validator for Clerk's published schemas, read from the spec files themselves
//! (`../shared/clerk-spec/bapi-2026-05-12.yml` and `webhooks-2025-04-15.yml`, or the folder in
//! `SYNCDESK_CLERK_SPEC_DIR`): required keys, types, `nullable`, enums, `additionalProperties:
//! false`, with `$ref`, `allOf` and `oneOf` (discriminator-aware) resolved.
//!
//! Not checked: string `pattern`s and numeric bounds (no regex engine in the test deps).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

/// A schema node and the document its `$ref`s point into.
#[derive(Clone, Copy)]
pub struct Schema {
    root: &'static Value,
    node: &'static Value,
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
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{file} does not parse: {e}"))
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

/// The schema of `method path`'s `status` response, as the Backend API spec declares it.
pub fn response_schema(path: &str, method: &str, status: &str) -> Schema {
    let root = bapi();
    let response = &root["paths"][path][method]["responses"][status];
    assert!(
        !response.is_null(),
        "the spec declares no {status} response for {method} {path}"
    );
    let response = resolve(root, response);
    let node = &response["content"]["application/json"]["schema"];
    assert!(
        !node.is_null(),
        "{method} {path} {status} has no JSON schema in the spec"
    );
    Schema { root, node }
}

/// A named Backend API component schema (`User`, `ClerkErrors`, …).
pub fn component(name: &str) -> Schema {
    let root = bapi();
    let node = &root["components"]["schemas"][name];
    assert!(!node.is_null(), "the spec has no schema {name}");
    Schema { root, node }
}

/// The body schema of a webhook event (`user.created`, …), as the webhooks spec declares it.
pub fn webhook_schema(event_type: &str) -> Schema {
    let root = webhooks();
    let node = &root["x-webhooks"][event_type]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    assert!(
        !node.is_null(),
        "the webhooks spec has no {event_type} event"
    );
    Schema { root, node }
}

fn resolve(root: &'static Value, node: &'static Value) -> &'static Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            let target = root
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling $ref {reference}"));
            resolve(root, target)
        }
        None => node,
    }
}

/// Every way `value` departs from `schema`, one line each with a JSON path; empty when valid.
pub fn violations(value: &Value, schema: Schema) -> Vec<String> {
    let mut out = Vec::new();
    check(value, schema.root, schema.node, "$", &mut out);
    out
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

fn check(
    value: &Value,
    root: &'static Value,
    schema: &'static Value,
    path: &str,
    out: &mut Vec<String>,
) {
    let nullable = |s: &Value| s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
    let declared_nullable = nullable(schema);
    let schema = resolve(root, schema);
    if value.is_null() {
        if !(declared_nullable || nullable(schema)) {
            out.push(format!("{path}: null, but the schema is not nullable"));
        }
        return;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            check(value, root, part, path, out);
        }
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        check_one_of(value, root, schema, options, path, out);
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => check_object(value, root, schema, path, out),
        None if schema.get("properties").is_some() || schema.get("required").is_some() => {
            check_object(value, root, schema, path, out)
        }
        Some("array") => match value.as_array() {
            Some(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        check(item, root, item_schema, &format!("{path}[{i}]"), out);
                    }
                }
            }
            None => out.push(format!("{path}: expected an array, got {value}")),
        },
        Some("string") => match value.as_str() {
            Some(s) => {
                let open = schema.get("x-speakeasy-unknown-values").is_some();
                if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
                    && !open
                    && !allowed.iter().any(|a| a.as_str() == Some(s))
                {
                    out.push(format!("{path}: `{s}` is not one of {allowed:?}"));
                }
            }
            None => out.push(format!("{path}: expected a string, got {value}")),
        },
        Some("integer") if !(value.is_i64() || value.is_u64()) => {
            out.push(format!("{path}: expected an integer, got {value}"))
        }
        Some("number") if !value.is_number() => {
            out.push(format!("{path}: expected a number, got {value}"))
        }
        Some("boolean") if !value.is_boolean() => {
            out.push(format!("{path}: expected a boolean, got {value}"))
        }
        _ => {}
    }
}

fn check_object(
    value: &Value,
    root: &'static Value,
    schema: &'static Value,
    path: &str,
    out: &mut Vec<String>,
) {
    let Some(object) = value.as_object() else {
        out.push(format!("{path}: expected an object, got {value}"));
        return;
    };
    for key in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = key.as_str().unwrap_or_default();
        if !object.contains_key(key) {
            out.push(format!("{path}: required key `{key}` is missing"));
        }
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    for (key, item) in object {
        match properties.and_then(|p| p.get(key)) {
            Some(property) => check(item, root, property, &format!("{path}.{key}"), out),
            None if closed => out.push(format!(
                "{path}: key `{key}` is not in the schema (additionalProperties: false)"
            )),
            None => {}
        }
    }
}

/// Discriminated: the mapped schema must match. Otherwise: at least one option must match.
fn check_one_of(
    value: &Value,
    root: &'static Value,
    schema: &'static Value,
    options: &'static [Value],
    path: &str,
    out: &mut Vec<String>,
) {
    let discriminator = schema.get("discriminator");
    let property = discriminator
        .and_then(|d| d.get("propertyName"))
        .and_then(Value::as_str);
    let tag = property.and_then(|p| value.get(p)).and_then(Value::as_str);
    if let (Some(tag), Some(mapping)) = (tag, discriminator.and_then(|d| d.get("mapping"))) {
        match mapping.get(tag) {
            Some(reference) => {
                let pointer = reference
                    .as_str()
                    .unwrap_or_default()
                    .trim_start_matches('#');
                let target = root
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling mapping {reference}"));
                check(value, root, target, path, out);
            }
            None => out.push(format!(
                "{path}: discriminator `{tag}` is not one of the mapped schemas"
            )),
        }
        return;
    }
    let fits = options.iter().any(|option| {
        let mut errors = Vec::new();
        check(value, root, option, path, &mut errors);
        errors.is_empty()
    });
    if !fits {
        out.push(format!("{path}: matches none of the oneOf options"));
    }
}
