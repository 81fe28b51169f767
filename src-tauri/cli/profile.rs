//! `syncdesk profile …`: add, edit, list, show and remove profiles; set and clear their secrets
//! in the OS keychain; import one from a backend's `.env`; test one.

mod secret;
mod show;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::keychain::{Keychain, KeychainError};
use crate::mongo::FieldMapping;
use crate::profile::file::ProfileFile;
use crate::profile::{Environment, Profile};
use crate::secrets::SecretName;
use crate::workspace::Overrides;

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
    /// Test a profile: reach Clerk and the database, find the collection, check the field mapping
    /// against a sample of documents (and suggest one), check the webhook secret's shape.
    Test(NameArgs),
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
    pub(super) name: String,
    /// As JSON (show: one object; test: one object per step).
    #[arg(long)]
    pub(super) json: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub(super) name: String,
    /// The .env file (CLERK_SECRET_KEY, CLERK_WEBHOOK_SECRET, MONGODB_URI, …).
    pub(super) file: PathBuf,
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
    overrides: Overrides,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cmd {
        ProfileCommand::Test(args) => {
            return show::test(&mut out, file, keychain, overrides, args).await;
        }
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
            let status = show::secret_status(keychain, &profile.name).await;
            show::show(
                &mut out,
                profile,
                all.default.as_deref(),
                &status,
                args.json,
            )?;
        }
        ProfileCommand::Remove(args) => {
            // The profile first: if the file cannot be written, its secrets are still there.
            file.update(|all| all.remove(&args.name).map_err(anyhow::Error::from))?;
            match keychain.clear_all(&args.name).await {
                Ok(()) => writeln!(out, "removed profile {} and its secrets", args.name)?,
                Err(KeychainError::NotBuilt) => writeln!(
                    out,
                    "removed profile {}; this build has no keychain, so secrets a keychain build stored for it are still there",
                    args.name
                )?,
                Err(e) => writeln!(
                    out,
                    "removed profile {}, but not all of its secrets: {e}; remove the entries `{}/…` in your keychain app",
                    args.name, args.name
                )?,
            }
        }
        ProfileCommand::Default(args) => {
            file.update(|all| all.set_default(&args.name).map_err(anyhow::Error::from))?;
            writeln!(out, "{} is now the default profile", args.name)?;
        }
        ProfileCommand::ImportEnv(args) => {
            secret::import_env(&mut out, file, keychain, args).await?
        }
        ProfileCommand::SetSecret(args) => {
            file.load()?.require(&args.name)?;
            let value = secret::read_secret(args.secret)?;
            secret::set_secret(&mut out, file, keychain, &args.name, args.secret, value).await?;
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
