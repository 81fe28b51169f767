//! Reading a backend's `.env` for a profile: the Clerk secret key, the webhook signing secret,
//! the MongoDB URI and a database name; every other line is listed as ignored (by name, never by
//! value).
//!
//! The syntax is the one dotenv loaders share: `KEY=value`, an optional `export `, `#` comments
//! (whole lines, or after whitespace in an unquoted value), single quotes taken literally, double
//! quotes with `\n`, `\"` and `\\` escapes, CRLF line ends and a UTF-8 byte order mark.

use crate::secrets::{SecretName, Sensitive};

/// What a `.env` gave a profile.
#[derive(Debug, Default)]
pub struct EnvImport {
    /// Each secret found, with the variable it came from.
    pub secrets: Vec<(SecretName, Sensitive<String>, String)>,
    /// The database name, with where it came from.
    pub database: Option<(String, String)>,
    /// What was skipped and why: a variable name or `line N`, never a value.
    pub ignored: Vec<(String, String)>,
}

/// Why the file cannot be read as a `.env` at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DotenvError {
    #[error(
        "line {line} is not UTF-8 text; save the file as UTF-8 (the encoding .env loaders read)"
    )]
    NotUtf8 { line: usize },
    #[error("line {line}: the quoted value of {key} is never closed; add the closing {quote}")]
    Unclosed {
        line: usize,
        key: String,
        quote: char,
    },
}

const CLERK_KEYS: [&str; 1] = ["CLERK_SECRET_KEY"];
const WEBHOOK_KEYS: [&str; 3] = [
    "CLERK_WEBHOOK_SECRET",
    "CLERK_WEBHOOK_SIGNING_SECRET",
    "WEBHOOK_SECRET",
];
const URI_KEYS: [&str; 4] = ["MONGODB_URI", "MONGODB_URL", "MONGO_URI", "DATABASE_URL"];
const DATABASE_KEYS: [&str; 5] = [
    "MONGODB_DB",
    "MONGODB_DATABASE",
    "MONGO_DB",
    "DATABASE_NAME",
    "DB_NAME",
];
const PUBLISHABLE_KEYS: [&str; 2] = ["NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", "CLERK_PUBLISHABLE_KEY"];

/// Reads a `.env` file's bytes.
pub fn parse(bytes: &[u8]) -> Result<EnvImport, DotenvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| DotenvError::NotUtf8 {
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
    })?;
    let mut import = EnvImport::default();
    let mut uri_from: Option<String> = None;
    for (index, raw) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((key, rest)) = line.split_once('=') else {
            import
                .ignored
                .push((format!("line {line_no}"), "not KEY=value".into()));
            continue;
        };
        let key = key.trim();
        if !is_key(key) {
            import
                .ignored
                .push((format!("line {line_no}"), "not a variable name".into()));
            continue;
        }
        let value = value_of(rest.trim_start(), line_no, key)?;
        take(&mut import, &mut uri_from, key, value);
    }
    if import.database.is_none()
        && let Some((_, uri, from)) = import
            .secrets
            .iter()
            .find(|(name, ..)| *name == SecretName::MongodbUri)
        && let Some(name) = database_in_uri(uri.expose())
    {
        import.database = Some((name, format!("the path of {from}")));
    }
    Ok(import)
}

fn take(import: &mut EnvImport, uri_from: &mut Option<String>, key: &str, value: String) {
    let ignore = |import: &mut EnvImport, why: &str| {
        import.ignored.push((key.to_string(), why.to_string()));
    };
    if value.is_empty() {
        return ignore(import, "empty");
    }
    let secret = if CLERK_KEYS.contains(&key) {
        Some(SecretName::ClerkSecretKey)
    } else if WEBHOOK_KEYS.contains(&key) {
        Some(SecretName::WebhookSecret)
    } else if URI_KEYS.contains(&key) {
        if !(value.starts_with("mongodb://") || value.starts_with("mongodb+srv://")) {
            return ignore(import, "not a mongodb:// URI");
        }
        if let Some(first) = uri_from {
            return ignore(import, &format!("{first} was taken first"));
        }
        *uri_from = Some(key.to_string());
        Some(SecretName::MongodbUri)
    } else {
        None
    };
    if let Some(name) = secret {
        if import.secrets.iter().any(|(n, ..)| *n == name) {
            return ignore(import, "an earlier line gave the same secret");
        }
        import
            .secrets
            .push((name, Sensitive::new(value), key.to_string()));
    } else if DATABASE_KEYS.contains(&key) {
        if import.database.is_some() {
            return ignore(import, "an earlier line gave the database name");
        }
        import.database = Some((value, key.to_string()));
    } else if PUBLISHABLE_KEYS.contains(&key) {
        ignore(
            import,
            "a publishable key; Syncdesk needs only the secret key",
        );
    } else {
        ignore(import, "not used by Syncdesk");
    }
}

fn is_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// The value after `=`: quoted, or bare up to an inline comment.
fn value_of(rest: &str, line: usize, key: &str) -> Result<String, DotenvError> {
    let unclosed = |quote| DotenvError::Unclosed {
        line,
        key: key.into(),
        quote,
    };
    if let Some(inner) = rest.strip_prefix('\'') {
        let end = inner.find('\'').ok_or_else(|| unclosed('\''))?;
        return Ok(inner[..end].to_string());
    }
    if let Some(inner) = rest.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Ok(value),
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(other) => value.push(other),
                    None => break,
                },
                c => value.push(c),
            }
        }
        return Err(unclosed('"'));
    }
    let bare = match rest.find(" #").or_else(|| rest.find("\t#")) {
        Some(at) => &rest[..at],
        None => rest,
    };
    Ok(bare.trim().to_string())
}

/// `app` of `mongodb://host/app?retryWrites=true`.
fn database_in_uri(uri: &str) -> Option<String> {
    let after_scheme = uri.split_once("://")?.1;
    let path = after_scheme.split_once('/')?.1;
    let name = path.split(['?', '#']).next()?;
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(import: &EnvImport, name: SecretName) -> Option<&str> {
        import
            .secrets
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|(_, v, _)| v.expose().as_str())
    }

    #[test]
    fn a_backend_env_with_odd_quoting_gives_its_three_secrets() {
        let file = "\u{feff}# Clerk\r\n\
            export CLERK_SECRET_KEY=\"sk_test_abc\"\r\n\
            NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY=pk_test_xyz\r\n\
            CLERK_WEBHOOK_SECRET='whsec_a#b' \r\n\
            MONGODB_URI=mongodb+srv://app:p%40ss@c0.example.com/shop?retryWrites=true # prod\r\n\
            PORT=3000\r\n";
        let import = parse(file.as_bytes()).unwrap();
        assert_eq!(
            secret(&import, SecretName::ClerkSecretKey),
            Some("sk_test_abc"),
            "double quotes and `export ` are removed"
        );
        assert_eq!(
            secret(&import, SecretName::WebhookSecret),
            Some("whsec_a#b"),
            "a # inside single quotes is part of the value"
        );
        assert_eq!(
            secret(&import, SecretName::MongodbUri),
            Some("mongodb+srv://app:p%40ss@c0.example.com/shop?retryWrites=true"),
            "an inline comment after whitespace is dropped, CR and all"
        );
        assert_eq!(
            import.database.as_ref().map(|(d, _)| d.as_str()),
            Some("shop"),
            "the database comes from the URI's path when no variable names it"
        );
        let ignored: Vec<&str> = import.ignored.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(ignored, ["NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", "PORT"]);
        assert!(
            !format!("{:?}", import.ignored).contains("pk_test"),
            "ignored lines are named, their values never shown"
        );
    }

    #[test]
    fn a_non_mongodb_database_url_is_ignored_and_the_first_uri_wins() {
        let file = "DATABASE_URL=postgres://u:p@db.example.com/app\n\
                    MONGO_URI=mongodb://a.example.com\n\
                    MONGODB_URL=mongodb://b.example.com\n\
                    MONGODB_DB=users_db\n";
        let import = parse(file.as_bytes()).unwrap();
        assert_eq!(
            secret(&import, SecretName::MongodbUri),
            Some("mongodb://a.example.com")
        );
        assert_eq!(
            import.database,
            Some(("users_db".into(), "MONGODB_DB".into()))
        );
        let reasons: Vec<String> = import
            .ignored
            .iter()
            .map(|(k, why)| format!("{k}: {why}"))
            .collect();
        assert_eq!(
            reasons,
            [
                "DATABASE_URL: not a mongodb:// URI",
                "MONGODB_URL: MONGO_URI was taken first"
            ]
        );
    }

    #[test]
    fn missing_keys_give_an_empty_import_not_an_error() {
        let import = parse(b"# nothing here\n\nNODE_ENV=development\n").unwrap();
        assert!(import.secrets.is_empty() && import.database.is_none());
        assert_eq!(import.ignored.len(), 1, "NODE_ENV is listed");
    }

    #[test]
    fn broken_files_name_the_line() {
        assert_eq!(
            parse(b"A=1\nCLERK_SECRET_KEY=\"sk_test_abc\n").unwrap_err(),
            DotenvError::Unclosed {
                line: 2,
                key: "CLERK_SECRET_KEY".into(),
                quote: '"'
            }
        );
        assert_eq!(
            parse(b"A=1\nB=caf\xe9\n").unwrap_err(),
            DotenvError::NotUtf8 { line: 2 },
            "a Latin-1 file is named as such"
        );
        let import = parse(b"just some words\n").unwrap();
        assert_eq!(
            import.ignored,
            [("line 1".to_string(), "not KEY=value".to_string())]
        );
    }
}
