//! Secrets into the keychain: `profile set-secret` (the value from standard input) and
//! `profile import-env` (from a backend's `.env`).

use std::io::{IsTerminal, Read, Write};

use anyhow::{Context, bail};

use super::ImportArgs;
use crate::keychain::Keychain;
use crate::profile::dotenv;
use crate::profile::file::ProfileFile;
use crate::profile::{Environment, Profile, check_name};
use crate::secrets::{self, SecretName, Sensitive};

/// Checks the value, keeps it in the keychain, and lets a live Clerk key mark the profile
/// production.
pub(super) async fn set_secret(
    out: &mut impl Write,
    file: &ProfileFile,
    keychain: &Keychain,
    profile: &str,
    name: SecretName,
    value: Sensitive<String>,
) -> anyhow::Result<()> {
    let value = secrets::check(name, value.expose())?;
    let live = name == SecretName::ClerkSecretKey
        && Environment::of_clerk_key(value.expose()) == Some(Environment::Production);
    keychain.set(profile, name, value).await?;
    writeln!(
        out,
        "saved the {} of profile {profile} in the OS keychain",
        name.label()
    )?;
    if live {
        let changed = file.update(|all| -> anyhow::Result<bool> {
            let unknown = all.unknown(profile);
            let p = all.get_mut(profile).ok_or(unknown)?;
            let changed = p.environment == Environment::Development;
            if changed {
                p.environment = Environment::Production;
                p.color = Environment::Production.default_color().into();
            }
            Ok(changed)
        })?;
        if changed {
            writeln!(
                out,
                "the key is a production (sk_live_) key: profile {profile} is now marked production, so writes need --yes"
            )?;
        }
    }
    Ok(())
}

/// One line of standard input: typed without echo on a terminal, else piped in. Never an
/// argument or a file name; a second line is refused (a whole `.env` piped in by mistake).
pub(super) fn read_secret(name: SecretName) -> anyhow::Result<Sensitive<String>> {
    let stdin = std::io::stdin();
    let value = if stdin.is_terminal() {
        let prompt = format!("paste the {} and press Enter (not shown): ", name.label());
        rpassword::prompt_password(prompt).context("reading the secret from the terminal")?
    } else {
        let mut text = String::new();
        stdin
            .lock()
            .take(64 * 1024 + 1)
            .read_to_string(&mut text)
            .context("reading the secret from standard input")?;
        if text.len() > 64 * 1024 {
            bail!("standard input holds more than 64 KiB: pipe in only the secret");
        }
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let first = lines.next().unwrap_or_default().to_string();
        if lines.next().is_some() {
            bail!(
                "standard input holds more than one line: pipe in only the {}, e.g. `printf %s \"$VALUE\" | syncdesk profile set-secret NAME {}` (for a whole .env file use `syncdesk profile import-env`)",
                name.label(),
                name.cli_name()
            );
        }
        first
    };
    if value.trim().is_empty() {
        bail!(
            "no {} on standard input: pipe it in, e.g. `printf %s \"$VALUE\" | syncdesk profile set-secret NAME {}`",
            name.label(),
            name.cli_name()
        );
    }
    Ok(Sensitive::new(value))
}

pub(super) async fn import_env(
    out: &mut impl Write,
    file: &ProfileFile,
    keychain: &Keychain,
    args: ImportArgs,
) -> anyhow::Result<()> {
    check_name(&args.name)?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let import =
        dotenv::parse(&bytes).with_context(|| format!("reading {}", args.file.display()))?;
    let mut ignored = import.ignored.clone();
    let mut secrets = Vec::new();
    for (name, value, from) in import.secrets {
        match secrets::check(name, value.expose()) {
            Ok(value) => secrets.push((name, value, from)),
            Err(e) => ignored.push((from, format!("not a usable {}: {e}", name.label()))),
        }
    }
    let key_env = secrets
        .iter()
        .find(|(n, ..)| *n == SecretName::ClerkSecretKey)
        .and_then(|(_, v, _)| Environment::of_clerk_key(v.expose()));
    let database = import.database.clone();
    let imported = |existing: Option<&Profile>| {
        let mut profile = match existing {
            Some(p) => p.clone(),
            None => Profile::new(&args.name, key_env.unwrap_or(Environment::Development)),
        };
        if key_env == Some(Environment::Production)
            && profile.environment == Environment::Development
        {
            profile.environment = Environment::Production;
            profile.color = Environment::Production.default_color().into();
        }
        if let Some((db, _)) = &database {
            profile.database = db.clone();
        }
        profile
    };
    // Everything that can be refused is refused before the keychain is touched.
    let before = file.load()?;
    let created = before.get(&args.name).is_none();
    imported(before.get(&args.name))
        .validate()
        .with_context(|| format!("{} was not imported", args.file.display()))?;
    let previous = if created {
        Vec::new()
    } else {
        keychain.get_all(&args.name).await?
    };
    let restore = async |written: &[SecretName]| {
        for name in written {
            let old = previous
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| v.clone());
            let _ = match old {
                Some(value) => keychain.set(&args.name, *name, value).await,
                None => keychain.clear(&args.name, *name).await,
            };
        }
    };
    let mut stored: Vec<(SecretName, String)> = Vec::new();
    for (name, value, from) in secrets {
        if let Err(e) = keychain.set(&args.name, name, value).await {
            let written: Vec<SecretName> = stored.iter().map(|(n, _)| *n).collect();
            restore(&written).await;
            return Err(e).context(format!(
                "nothing was imported into profile {} (the keychain is as it was)",
                args.name
            ));
        }
        stored.push((name, from));
    }
    let saved = file.update(|all| -> anyhow::Result<()> {
        let profile = imported(all.get(&args.name));
        if all.get(&args.name).is_some() {
            all.replace(&args.name, profile)?;
        } else {
            all.add(profile, false)?;
        }
        Ok(())
    });
    if let Err(e) = saved {
        let written: Vec<SecretName> = stored.iter().map(|(n, _)| *n).collect();
        restore(&written).await;
        return Err(e.context("nothing was imported (the keychain is as it was)"));
    }
    let verb = if created { "created" } else { "updated" };
    writeln!(
        out,
        "{verb} profile {} from {}",
        args.name,
        args.file.display()
    )?;
    for (name, from) in &stored {
        writeln!(
            out,
            "  took {from} as the {} (into the OS keychain)",
            name.label()
        )?;
    }
    if let Some((db, from)) = &database {
        writeln!(out, "  took {from} as the database name: {db}")?;
    }
    for (what, why) in &ignored {
        writeln!(out, "  ignored {what}: {why}")?;
    }
    for name in SecretName::ALL {
        if !stored.iter().any(|(n, _)| *n == name) {
            writeln!(
                out,
                "  no {} found: set it with syncdesk profile set-secret {} {}",
                name.label(),
                args.name,
                name.cli_name()
            )?;
        }
    }
    Ok(())
}
