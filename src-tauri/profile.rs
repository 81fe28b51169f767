//! Profiles: one per Clerk instance and database a team works with (development, staging,
//! production), saved without secrets and shared by the CLI and the window.
//!
//! The secrets of a profile live in the OS keychain (`keychain.rs`); what is here is safe to keep
//! in a settings file.

pub mod dotenv;
pub mod file;
pub mod mapping_check;

use serde::{Deserialize, Serialize};

use crate::clerk::DEFAULT_BASE_URL;
use crate::mongo::FieldMapping;
use crate::webhook::listener::{DEFAULT_PATH, DEFAULT_PORT};

/// Which kind of instance a profile points at; production writes need an explicit confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    Development,
    Staging,
    Production,
}

impl Environment {
    /// What a Clerk secret key says: `sk_live_` is a production instance, `sk_test_` a
    /// development one; anything else says nothing.
    pub fn of_clerk_key(key: &str) -> Option<Self> {
        let key = key.trim();
        if key.starts_with("sk_live_") {
            Some(Self::Production)
        } else if key.starts_with("sk_test_") {
            Some(Self::Development)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Staging => "staging",
            Self::Production => "production",
        }
    }

    /// The colour a new profile of this environment gets (the window paints it).
    pub fn default_color(self) -> &'static str {
        match self {
            Self::Development => "#2f855a",
            Self::Staging => "#b7791f",
            Self::Production => "#c53030",
        }
    }
}

impl std::fmt::Display for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The bundled webhook listener's place on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ListenerSettings {
    pub port: u16,
    pub path: String,
}

impl Default for ListenerSettings {
    fn default() -> Self {
        Self {
            port: DEFAULT_PORT,
            path: DEFAULT_PATH.into(),
        }
    }
}

/// Everything about one instance but its secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Profile {
    pub name: String,
    pub environment: Environment,
    /// `#rrggbb`, shown by the window so production is never mistaken for staging.
    pub color: String,
    pub clerk_api_url: String,
    /// The database holding the users collection.
    pub database: String,
    pub mapping: FieldMapping,
    pub listener: ListenerSettings,
    /// The developer's own backend route the listener relays verified events to.
    pub forward_url: Option<String>,
    /// The window re-reads both sides this often (minutes) and notifies of users newly
    /// missing or orphaned; `None`: off.
    pub watch_minutes: Option<u32>,
}

impl Default for Profile {
    fn default() -> Self {
        Self::new("default", Environment::Development)
    }
}

impl Profile {
    pub fn new(name: impl Into<String>, environment: Environment) -> Self {
        Self {
            name: name.into(),
            environment,
            color: environment.default_color().into(),
            clerk_api_url: DEFAULT_BASE_URL.into(),
            database: String::new(),
            mapping: FieldMapping::default(),
            listener: ListenerSettings::default(),
            forward_url: None,
            watch_minutes: None,
        }
    }

    /// Every field checked, with what to fix; a valid profile may still lack a database name
    /// (it is then asked for when it is needed).
    pub fn validate(&self) -> Result<(), ProfileError> {
        check_name(&self.name)?;
        let bad = |field: &'static str, reason: String| ProfileError::Invalid {
            profile: self.name.clone(),
            field,
            reason,
        };
        if !is_hex_colour(&self.color) {
            return Err(bad(
                "color",
                format!("{:?} is not a #rrggbb colour", self.color),
            ));
        }
        check_http_url(&self.clerk_api_url).map_err(|r| bad("clerk API URL", r))?;
        if let Some(url) = &self.forward_url {
            check_http_url(url).map_err(|r| bad("forward URL", r))?;
        }
        if let Some(minutes) = self.watch_minutes
            && !(1..=1440).contains(&minutes)
        {
            return Err(bad(
                "watch",
                format!(
                    "every {minutes} minutes: give 1 to 1440 minutes, or leave it empty for off"
                ),
            ));
        }
        if self.database.trim() != self.database || self.database.contains(['/', '.', ' ', '$']) {
            return Err(bad(
                "database",
                format!(
                    "{:?} is not a database name (no spaces, '/', '.' or '$')",
                    self.database
                ),
            ));
        }
        if !self.listener.path.starts_with('/') {
            return Err(bad(
                "listener path",
                format!("{:?} must start with '/'", self.listener.path),
            ));
        }
        self.mapping
            .validate()
            .map_err(|e| bad("field mapping", e.to_string()))
    }
}

/// All profiles and which one is the default: the one typed value of the settings file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Profiles {
    pub default: Option<String>,
    pub profiles: Vec<Profile>,
}

impl Profiles {
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Profile> {
        self.profiles.iter_mut().find(|p| p.name == name)
    }

    /// The profile or an error naming the ones there are.
    pub fn require(&self, name: &str) -> Result<&Profile, ProfileError> {
        self.get(name).ok_or_else(|| self.unknown(name))
    }

    pub fn unknown(&self, name: &str) -> ProfileError {
        ProfileError::Unknown {
            name: name.into(),
            known: self.names(),
        }
    }

    pub fn names(&self) -> String {
        if self.profiles.is_empty() {
            return "none yet".into();
        }
        let names: Vec<&str> = self.profiles.iter().map(|p| p.name.as_str()).collect();
        names.join(", ")
    }

    pub fn default_profile(&self) -> Option<&Profile> {
        self.default.as_deref().and_then(|name| self.get(name))
    }

    /// Adds a new profile; the first one becomes the default (a later one only when asked: no
    /// default may have been chosen on purpose).
    pub fn add(&mut self, profile: Profile, make_default: bool) -> Result<(), ProfileError> {
        profile.validate()?;
        if self.get(&profile.name).is_some() {
            return Err(ProfileError::Exists { name: profile.name });
        }
        if make_default || self.profiles.is_empty() {
            self.default = Some(profile.name.clone());
        }
        self.profiles.push(profile);
        Ok(())
    }

    /// Adds a new profile and leaves the default as it is (none stays none).
    pub fn add_without_default(&mut self, profile: Profile) -> Result<(), ProfileError> {
        let default = self.default.clone();
        self.add(profile, false)?;
        self.default = default;
        Ok(())
    }

    /// Replaces a profile (found by `previous` name, which may differ when it is renamed).
    pub fn replace(&mut self, previous: &str, profile: Profile) -> Result<(), ProfileError> {
        profile.validate()?;
        if profile.name != previous && self.get(&profile.name).is_some() {
            return Err(ProfileError::Exists { name: profile.name });
        }
        let unknown = self.unknown(previous);
        let slot = self.get_mut(previous).ok_or(unknown)?;
        let renamed = profile.name != previous;
        let new_name = profile.name.clone();
        *slot = profile;
        if renamed && self.default.as_deref() == Some(previous) {
            self.default = Some(new_name);
        }
        Ok(())
    }

    /// Removes a profile; if it was the default, the first remaining one becomes the default.
    pub fn remove(&mut self, name: &str) -> Result<Profile, ProfileError> {
        let index = self
            .profiles
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| self.unknown(name))?;
        let removed = self.profiles.remove(index);
        if self.default.as_deref() == Some(name) {
            self.default = self.profiles.first().map(|p| p.name.clone());
        }
        Ok(removed)
    }

    pub fn set_default(&mut self, name: &str) -> Result<(), ProfileError> {
        self.require(name)?;
        self.default = Some(name.into());
        Ok(())
    }
}

/// Why a profile cannot be saved or found.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    #[error(
        "{name:?} is not a profile name: use 1 to 40 letters, digits, '-' or '_' (e.g. staging)"
    )]
    BadName { name: String },
    #[error("there is no profile named {name:?} (profiles: {known})")]
    Unknown { name: String, known: String },
    #[error("a profile named {name:?} already exists; pick another name or edit that one")]
    Exists { name: String },
    #[error("profile {profile:?}: the {field} is not valid: {reason}")]
    Invalid {
        profile: String,
        field: &'static str,
        reason: String,
    },
}

pub fn check_name(name: &str) -> Result<(), ProfileError> {
    let ok = (1..=40).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ProfileError::BadName { name: name.into() })
    }
}

fn is_hex_colour(colour: &str) -> bool {
    colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn check_http_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("{url:?} must start with https:// or http://"))?;
    if rest.is_empty() || rest.starts_with('/') || url.contains(char::is_whitespace) {
        return Err(format!("{url:?} has no host"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watch_is_off_by_default_and_takes_whole_minutes_up_to_a_day() {
        let mut profile = Profile::new("dev", Environment::Development);
        assert_eq!(profile.watch_minutes, None, "off until someone turns it on");
        for ok in [1, 15, 1440] {
            profile.watch_minutes = Some(ok);
            assert!(profile.validate().is_ok(), "{ok} minutes");
        }
        for bad in [0, 1441] {
            profile.watch_minutes = Some(bad);
            let err = profile.validate().unwrap_err().to_string();
            assert!(err.contains("1 to 1440 minutes"), "{bad}: {err}");
        }
        let old: Profile = serde_json::from_str(r#"{"name": "old"}"#).unwrap();
        assert_eq!(
            old.watch_minutes, None,
            "a profile saved before the watch existed reads as off"
        );
    }

    #[test]
    fn the_key_prefix_says_which_kind_of_instance() {
        assert_eq!(
            Environment::of_clerk_key(" sk_live_abc"),
            Some(Environment::Production),
            "sk_live_ keys belong to production instances"
        );
        assert_eq!(
            Environment::of_clerk_key("sk_test_abc"),
            Some(Environment::Development),
            "sk_test_ keys belong to development instances"
        );
        assert_eq!(
            Environment::of_clerk_key("pk_test_abc"),
            None,
            "a publishable key says nothing"
        );
    }

    #[test]
    fn the_first_profile_is_the_default_and_removing_it_moves_the_default() {
        let mut all = Profiles::default();
        all.add(Profile::new("dev", Environment::Development), false)
            .unwrap();
        all.add(Profile::new("prod", Environment::Production), false)
            .unwrap();
        assert_eq!(all.default.as_deref(), Some("dev"), "the first one added");
        all.remove("dev").unwrap();
        assert_eq!(
            all.default.as_deref(),
            Some("prod"),
            "a default that is removed passes to the first remaining profile"
        );
        assert_eq!(
            all.add(Profile::new("prod", Environment::Staging), false),
            Err(ProfileError::Exists {
                name: "prod".into()
            }),
            "names are unique"
        );
    }

    #[test]
    fn renaming_the_default_keeps_it_the_default() {
        let mut all = Profiles::default();
        all.add(Profile::new("dev", Environment::Development), true)
            .unwrap();
        let renamed = Profile::new("local", Environment::Development);
        all.replace("dev", renamed).unwrap();
        assert_eq!(all.default.as_deref(), Some("local"));
        assert!(all.get("dev").is_none(), "the old name is gone");
    }

    #[test]
    fn invalid_fields_are_refused_with_what_to_fix() {
        let mut profile = Profile::new("staging", Environment::Staging);
        profile.color = "red".into();
        let err = profile.validate().unwrap_err().to_string();
        assert!(err.contains("#rrggbb"), "says the expected form: {err}");
        let mut profile = Profile::new("staging", Environment::Staging);
        profile.clerk_api_url = "api.clerk.com".into();
        let err = profile.validate().unwrap_err().to_string();
        assert!(err.contains("https://"), "{err}");
        assert!(
            matches!(check_name("my profile"), Err(ProfileError::BadName { .. })),
            "spaces are refused (the name is typed as a CLI argument and a keychain account)"
        );
        let profile = Profile::new("ok_name-2", Environment::Production);
        assert!(profile.validate().is_ok(), "a new profile is valid as is");
    }

    #[test]
    fn an_unknown_profile_lists_the_known_ones() {
        let mut all = Profiles::default();
        all.add(Profile::new("dev", Environment::Development), false)
            .unwrap();
        let err = all.require("prod").unwrap_err().to_string();
        assert!(err.contains("profiles: dev"), "{err}");
    }

    #[test]
    fn profiles_round_trip_through_json_and_fill_defaults() {
        let mut all = Profiles::default();
        all.add(Profile::new("dev", Environment::Development), false)
            .unwrap();
        let json = serde_json::to_string(&all).unwrap();
        assert_eq!(serde_json::from_str::<Profiles>(&json).unwrap(), all);
        let partial: Profile =
            serde_json::from_str(r#"{"name":"x","environment":"staging"}"#).unwrap();
        assert_eq!(partial.clerk_api_url, DEFAULT_BASE_URL, "Clerk's API");
        assert_eq!(partial.listener, ListenerSettings::default());
    }
}
