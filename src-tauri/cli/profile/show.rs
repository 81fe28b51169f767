//! `profile show` and `profile test`: a profile and its secrets as "set" / "not set", and each
//! step of the test with its verdict and fix.

use std::io::Write;
use std::process::ExitCode;

use super::NameArgs;
use crate::keychain::Keychain;
use crate::profile::Profile;
use crate::profile::file::ProfileFile;
use crate::secrets::SecretName;
use crate::workspace::check::{self, Verdict};
use crate::workspace::{Overrides, Workspace};

/// `set` / `not set` per secret, or why the keychain cannot say.
pub(super) async fn secret_status(
    keychain: &Keychain,
    profile: &str,
) -> Result<Vec<(SecretName, bool)>, String> {
    keychain
        .which_are_set(profile)
        .await
        .map_err(|e| e.to_string())
}

pub(super) fn show(
    out: &mut impl Write,
    p: &Profile,
    default: Option<&str>,
    status: &Result<Vec<(SecretName, bool)>, String>,
    json: bool,
) -> anyhow::Result<()> {
    let set = |name: SecretName| match status {
        Ok(all) => {
            let on = all.iter().any(|(n, s)| *n == name && *s);
            if on { "set" } else { "not set" }
        }
        Err(_) => "unknown (keychain unavailable)",
    };
    if json {
        let mut value = serde_json::to_value(p)?;
        value["default"] = serde_json::json!(default == Some(p.name.as_str()));
        value["secrets"] = SecretName::ALL
            .iter()
            .map(|n| (n.as_str().to_string(), serde_json::json!(set(*n))))
            .collect::<serde_json::Map<_, _>>()
            .into();
        writeln!(out, "{value}")?;
        return Ok(());
    }
    let default_mark = if default == Some(p.name.as_str()) {
        " (default)"
    } else {
        ""
    };
    writeln!(out, "profile       {}{default_mark}", p.name)?;
    writeln!(out, "environment   {}", p.environment)?;
    writeln!(out, "colour        {}", p.color)?;
    writeln!(out, "Clerk API     {}", p.clerk_api_url)?;
    let db = if p.database.is_empty() {
        "(not set)"
    } else {
        &p.database
    };
    writeln!(out, "database      {db}")?;
    writeln!(out, "collection    {}", p.mapping.collection)?;
    writeln!(
        out,
        "listener      http://127.0.0.1:{}{}",
        p.listener.port, p.listener.path
    )?;
    writeln!(
        out,
        "forward to    {}",
        p.forward_url.as_deref().unwrap_or("(none)")
    )?;
    for name in SecretName::ALL {
        writeln!(out, "{:<13} {}", name.cli_name(), set(name))?;
    }
    if let Err(why) = status {
        writeln!(out, "keychain: {why}")?;
    }
    Ok(())
}

/// `profile test NAME`: every step with its verdict, the fix, and a suggested mapping.
pub(super) async fn test(
    out: &mut impl Write,
    file: &ProfileFile,
    keychain: &Keychain,
    overrides: Overrides,
    args: NameArgs,
) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        profile: Some(args.name.clone()),
        ..overrides
    };
    let ws = Workspace::open(file, keychain, overrides).await?;
    let report = check::check(&ws).await;
    if args.json {
        for step in &report.steps {
            writeln!(out, "{}", serde_json::to_string(step)?)?;
        }
        if let Some(mapping) = &report.suggested_mapping {
            let line = serde_json::json!({"suggested_mapping": mapping});
            writeln!(out, "{line}")?;
        }
    } else {
        writeln!(out, "testing {}", ws.label())?;
        for step in &report.steps {
            let verdict = match step.verdict {
                Verdict::Pass => "pass",
                Verdict::Warn => "warn",
                Verdict::Fail => "FAIL",
                Verdict::Skipped => "skip",
            };
            writeln!(out, "{verdict}  {:<15} {}", step.kind.label(), step.detail)?;
            if let Some(fix) = &step.fix {
                writeln!(out, "      {:<15} fix: {fix}", "")?;
            }
        }
        if let Some(mapping) = &report.suggested_mapping {
            writeln!(
                out,
                "suggested mapping (save it as a file, then `syncdesk profile edit {} --mapping FILE`):",
                args.name
            )?;
            writeln!(out, "{}", serde_json::to_string_pretty(mapping)?)?;
        }
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
