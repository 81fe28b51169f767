//! `syncdesk profile …`: add, edit, list, show and remove profiles; set and clear their secrets
//! in the OS keychain; import one from a backend's `.env`.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use crate::keychain::{Keychain, KeychainError};
use crate::mongo::FieldMapping;
use crate::profile::dotenv;
use crate::profile::file::ProfileFile;
use crate::profile::{Environment, Profile, check_name};
use crate::secrets::{self, SecretName, Sensitive};

/// The global flags a profile command takes as the profile's own values.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub database: Option<String>,
    pub mapping: Option<FieldMapping>,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add a profile (`--database`, `--mapping` set its database and field mapping).
    Add(Fields),
    /// Change a profile's settings (only the ones given).
    Edit(Fields),
    /// List the profiles; `*` marks the default.
    List(ListArgs),
    /// Show a profile; secrets only as "set" / "not set".
    Show(NameArgs),
    /// Remove a profile and its secrets from the keychain.
    Remove(NameArgs),
    /// Make a profile the default.
    Default(NameArgs),
    /// Create or update a profile from a backend's .env file (secrets go to the keychain).
    ImportEnv(ImportArgs),
    /// Put a secret into the keychain; the value is read from standard input, never an argument.
    SetSecret(SecretArgs),
    /// Remove a secret from the keychain.
    ClearSecret(SecretArgs),
}

#[derive(Debug, Args)]
pub struct Fields {
    name: String,
    /// Clerk's Backend API (default https://api.clerk.com/v1; a sandbox's http://127.0.0.1:PORT/v1).
    #[arg(long, value_name = "URL")]
    clerk_api_url: Option<String>,
    /// development, staging or production (else inferred from the Clerk key: sk_live_ is production).
    #[arg(long, value_enum, value_name = "ENV")]
    environment: Option<Environment>,
    /// `#rrggbb`, the band the window shows (default: by environment).
    #[arg(long, value_name = "COLOUR")]
    color: Option<String>,
    /// The listener's port on 127.0.0.1.
    #[arg(long, value_name = "PORT")]
    listener_port: Option<u16>,
    /// The route the listener answers on.
    #[arg(long, value_name = "PATH")]
    listener_path: Option<String>,
    /// Your backend's webhook route, which the listener relays verified events to.
    #[arg(long, value_name = "URL")]
    forward_url: Option<String>,
    /// Make it the default profile.
    #[arg(long)]
    default: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// One JSON object per profile and line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct NameArgs {
    name: String,
    /// As JSON (show only).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    name: String,
    /// The .env file (CLERK_SECRET_KEY, CLERK_WEBHOOK_SECRET, MONGODB_URI, …).
    file: PathBuf,
}

#[derive(Debug, Args)]
pub struct SecretArgs {
    name: String,
    #[arg(value_enum)]
    secret: SecretName,
}

pub async fn run(
    cmd: ProfileCommand,
    file: &ProfileFile,
    keychain: &Keychain,
    flags: Flags,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cmd {
        ProfileCommand::Add(fields) => {
            let name = fields.name.clone();
            let mut profile = Profile::new(
                &name,
                fields.environment.unwrap_or(Environment::Development),
            );
            apply_fields(&mut profile, &fields, flags);
            file.update(|all| {
                all.add(profile, fields.default)
                    .map_err(anyhow::Error::from)
            })?;
            writeln!(
                out,
                "added profile {name}; its file is {}",
                file.path().display()
            )?;
            writeln!(
                out,
                "next: syncdesk profile set-secret {name} clerk-secret-key (and mongodb-uri, webhook-secret), or syncdesk profile import-env {name} .env"
            )?;
        }
        ProfileCommand::Edit(fields) => {
            let name = fields.name.clone();
            file.update(|all| -> anyhow::Result<()> {
                let mut profile = all.require(&name)?.clone();
                apply_fields(&mut profile, &fields, flags);
                all.replace(&name, profile)?;
                if fields.default {
                    all.set_default(&name)?;
                }
                Ok(())
            })?;
            writeln!(out, "saved profile {name}")?;
        }
        ProfileCommand::List(args) => {
            let all = file.load()?;
            for p in &all.profiles {
                let default = all.default.as_deref() == Some(p.name.as_str());
                if args.json {
                    let line = serde_json::json!({
                        "name": p.name, "environment": p.environment, "color": p.color,
                        "database": p.database, "clerkApiUrl": p.clerk_api_url, "default": default,
                    });
                    writeln!(out, "{line}")?;
                } else {
                    let mark = if default { "*" } else { " " };
                    let db = if p.database.is_empty() {
                        "-"
                    } else {
                        &p.database
                    };
                    writeln!(
                        out,
                        "{mark} {:<20} {:<12} {:<24} {}",
                        p.name, p.environment, db, p.clerk_api_url
                    )?;
                }
            }
            if all.profiles.is_empty() && !args.json {
                writeln!(
                    out,
                    "no profiles yet: syncdesk profile add NAME, or syncdesk profile import-env NAME .env"
                )?;
            }
        }
        ProfileCommand::Show(args) => {
            let all = file.load()?;
            let profile = all.require(&args.name)?;
            let status = secret_status(keychain, &profile.name).await;
            show(
                &mut out,
                profile,
                all.default.as_deref(),
                &status,
                args.json,
            )?;
        }
        ProfileCommand::Remove(args) => {
            file.load()?.require(&args.name)?;
            let kept = match keychain.clear_all(&args.name).await {
                Ok(()) => false,
                Err(KeychainError::NotBuilt) => true,
                Err(e) => return Err(e).context("the profile was not removed"),
            };
            file.update(|all| all.remove(&args.name).map_err(anyhow::Error::from))?;
            writeln!(out, "removed profile {} and its secrets", args.name)?;
            if kept {
                writeln!(
                    out,
                    "note: this build has no keychain, so secrets a keychain build stored for {} are still there",
                    args.name
                )?;
            }
        }
        ProfileCommand::Default(args) => {
            file.update(|all| all.set_default(&args.name).map_err(anyhow::Error::from))?;
            writeln!(out, "{} is now the default profile", args.name)?;
        }
        ProfileCommand::ImportEnv(args) => import_env(&mut out, file, keychain, args).await?,
        ProfileCommand::SetSecret(args) => {
            file.load()?.require(&args.name)?;
            let value = read_secret(args.secret)?;
            set_secret(&mut out, file, keychain, &args.name, args.secret, value).await?;
        }
        ProfileCommand::ClearSecret(args) => {
            file.load()?.require(&args.name)?;
            keychain.clear(&args.name, args.secret).await?;
            writeln!(
                out,
                "removed the {} of profile {} from the keychain",
                args.secret.label(),
                args.name
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn apply_fields(profile: &mut Profile, fields: &Fields, flags: Flags) {
    if let Some(env) = fields.environment {
        profile.environment = env;
        if fields.color.is_none() {
            profile.color = env.default_color().into();
        }
    }
    if let Some(url) = &fields.clerk_api_url {
        profile.clerk_api_url = url.trim().to_string();
    }
    if let Some(colour) = &fields.color {
        profile.color = colour.trim().to_string();
    }
    if let Some(port) = fields.listener_port {
        profile.listener.port = port;
    }
    if let Some(path) = &fields.listener_path {
        profile.listener.path = path.trim().to_string();
    }
    if let Some(url) = &fields.forward_url {
        profile.forward_url = Some(url.trim().to_string()).filter(|u| !u.is_empty());
    }
    if let Some(database) = flags.database {
        profile.database = database.trim().to_string();
    }
    if let Some(mapping) = flags.mapping {
        profile.mapping = mapping;
    }
}

/// `set` / `not set` per secret, or why the keychain cannot say.
async fn secret_status(
    keychain: &Keychain,
    profile: &str,
) -> Result<Vec<(SecretName, bool)>, String> {
    keychain
        .which_are_set(profile)
        .await
        .map_err(|e| e.to_string())
}

fn show(
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

/// Checks the value, keeps it in the keychain, and lets a live Clerk key mark the profile
/// production.
async fn set_secret(
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

/// One line of standard input (a prompt on a terminal); never an argument or a file name.
fn read_secret(name: SecretName) -> anyhow::Result<Sensitive<String>> {
    let stdin = std::io::stdin();
    let mut value = String::new();
    if stdin.is_terminal() {
        let _ = write!(
            std::io::stderr(),
            "paste the {} and press Enter: ",
            name.label()
        );
        stdin.lock().read_line(&mut value)?;
    } else {
        stdin
            .lock()
            .take(64 * 1024)
            .read_to_string(&mut value)
            .context("reading the secret from standard input")?;
    }
    if value.trim().is_empty() {
        bail!(
            "no {} on standard input: pipe it in, e.g. `printf %s \"$VALUE\" | syncdesk profile set-secret NAME {}`",
            name.label(),
            name.cli_name()
        );
    }
    Ok(Sensitive::new(value))
}

async fn import_env(
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
    // Refuse a settings file that cannot be updated before any secret is written.
    let created = file.load()?.get(&args.name).is_none();
    let mut stored = Vec::new();
    for (name, value, from) in secrets {
        if let Err(e) = keychain.set(&args.name, name, value).await {
            if created {
                let _ = keychain.clear_all(&args.name).await;
            }
            let kept: Vec<&str> = stored
                .iter()
                .map(|(n, _): &(SecretName, String)| n.label())
                .collect();
            return Err(e).context(format!(
                "nothing was imported into profile {} (secrets already replaced: {})",
                args.name,
                if kept.is_empty() {
                    "none".to_string()
                } else {
                    kept.join(", ")
                }
            ));
        }
        stored.push((name, from));
    }
    let saved = file.update(|all| -> anyhow::Result<()> {
        let mut profile = match all.get(&args.name) {
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
        if all.get(&args.name).is_some() {
            all.replace(&args.name, profile)?;
        } else {
            all.add(profile, false)?;
        }
        Ok(())
    });
    if let Err(e) = saved {
        if created {
            let _ = keychain.clear_all(&args.name).await;
        }
        return Err(e);
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
