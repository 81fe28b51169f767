//! The settings file the CLI and the window share: `tauri-plugin-store`'s JSON file, with the
//! profiles as one typed value under one key.
//!
//! Two writers (the window open, a CLI command run) never lose an update: every change takes an
//! exclusive lock beside the file, reads the file again, applies the change and replaces the file
//! atomically (a temporary file, flushed, then renamed over it). A file that cannot be read as
//! profiles is reported and never overwritten.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{Environment, Profile, Profiles};
use crate::mongo::FieldMapping;

/// The key the profiles are kept under.
pub const KEY: &str = "profiles";
/// The key of the one-database settings of earlier versions, read as a profile named `default`.
const LEGACY_KEY: &str = "settings";
/// The app's identifier (`tauri.conf.json`): the window's app data folder has this name.
pub const APP_IDENTIFIER: &str = "com.syncdesk.desktop";
/// Overrides the folder the settings file is in (tests, portable installs).
pub const DATA_DIR_VAR: &str = "SYNCDESK_DATA_DIR";

/// Why the settings file could not be used; the file is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(
        "no folder for Syncdesk's settings: the OS gives no data folder for this user; set {DATA_DIR_VAR} to one"
    )]
    NoDataDir,
    #[error("cannot read the settings file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error(
        "the settings file {path} is not valid ({reason}); fix it by hand or move it away (it was not changed)"
    )]
    Invalid { path: String, reason: String },
    #[error("cannot write the settings file {path}: {reason} (it was not changed)")]
    Write { path: String, reason: String },
}

/// The settings file of this build kind: `settings.json` (release) or `settings-dev.json`
/// (debug builds, so a developer's test profiles never mix with a release's).
#[derive(Debug, Clone)]
pub struct ProfileFile {
    path: PathBuf,
}

impl ProfileFile {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// `$SYNCDESK_DATA_DIR`, else the OS data folder + `com.syncdesk.desktop` (the folder
    /// `tauri-plugin-store` uses for the window), then this build's file name.
    pub fn for_this_build() -> Result<Self, FileError> {
        let dir = match std::env::var_os(DATA_DIR_VAR).filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => dirs::data_dir()
                .ok_or(FileError::NoDataDir)?
                .join(APP_IDENTIFIER),
        };
        Ok(Self::at(dir.join(this_build_file_name())))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved profiles; none when the file does not exist yet.
    pub fn load(&self) -> Result<Profiles, FileError> {
        Ok(self.read_object()?.1)
    }

    /// Whether the file still holds the one-database settings of an earlier version (and no
    /// profiles): the profile `default` they are read as has its secrets under older names.
    pub fn is_legacy(&self) -> Result<bool, FileError> {
        let (object, _) = self.read_object()?;
        Ok(!object.contains_key(KEY) && object.contains_key(LEGACY_KEY))
    }

    /// Reads the file again under the lock, applies `change`, and replaces the file atomically.
    /// When `change` fails nothing is written.
    pub fn update<T, E>(&self, change: impl FnOnce(&mut Profiles) -> Result<T, E>) -> Result<T, E>
    where
        E: From<FileError>,
    {
        let _lock = self.lock()?;
        let (mut object, mut profiles) = self.read_object()?;
        let result = change(&mut profiles)?;
        object.remove(LEGACY_KEY);
        let value = serde_json::to_value(&profiles).map_err(|e| self.write_error(e))?;
        object.insert(KEY.into(), value);
        self.replace(&Value::Object(object))?;
        Ok(result)
    }

    /// The file's object and the profiles in it (parsed and checked once).
    fn read_object(&self) -> Result<(Map<String, Value>, Profiles), FileError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Map::new(), Profiles::default()));
            }
            Err(e) => {
                return Err(FileError::Read {
                    path: self.shown(),
                    reason: e.to_string(),
                });
            }
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok((Map::new(), Profiles::default()));
        }
        let invalid = |reason: String| FileError::Invalid {
            path: self.shown(),
            reason,
        };
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
        let Value::Object(object) = value else {
            return Err(invalid("it is not a JSON object".into()));
        };
        let profiles = match object.get(KEY) {
            Some(value) => Profiles::deserialize_checked(value).map_err(invalid)?,
            None => legacy_profiles(&object),
        };
        Ok((object, profiles))
    }

    /// An exclusive lock on `<file>.lock`, released when the guard is dropped.
    fn lock(&self) -> Result<File, FileError> {
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir).map_err(|e| self.write_error(e))?;
        }
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.sibling("lock"))
            .map_err(|e| self.write_error(e))?;
        lock.lock().map_err(|e| self.write_error(e))?;
        Ok(lock)
    }

    fn replace(&self, value: &Value) -> Result<(), FileError> {
        let temp = self.sibling(&format!("tmp-{}", std::process::id()));
        let written = (|| {
            let bytes = serde_json::to_vec_pretty(value)?;
            let mut file = File::create(&temp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            fs::rename(&temp, &self.path)?;
            std::io::Result::Ok(())
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(self.write_error(e));
        }
        Ok(())
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".{suffix}"));
        self.path.with_file_name(name)
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    fn write_error(&self, reason: impl std::fmt::Display) -> FileError {
        FileError::Write {
            path: self.shown(),
            reason: reason.to_string(),
        }
    }
}

impl Profiles {
    /// Parses the stored value and checks every profile, so a hand-edited file with a bad entry
    /// is reported rather than half used.
    pub fn deserialize_checked(value: &Value) -> Result<Self, String> {
        let profiles: Self = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
        for profile in &profiles.profiles {
            profile.validate().map_err(|e| e.to_string())?;
        }
        Ok(profiles)
    }
}

/// The one-database settings of earlier versions as the profile `default`, when there are some.
fn legacy_profiles(object: &Map<String, Value>) -> Profiles {
    match object.get(LEGACY_KEY).and_then(legacy_profile) {
        Some(profile) => Profiles {
            default: Some(profile.name.clone()),
            profiles: vec![profile],
        },
        None => Profiles::default(),
    }
}

/// `{database, mapping}` of earlier versions as the profile `default`.
fn legacy_profile(value: &Value) -> Option<Profile> {
    let database = value.get("database")?.as_str()?.trim().to_string();
    let mapping = match value.get("mapping") {
        Some(m) => serde_json::from_value::<FieldMapping>(m.clone()).ok()?,
        None => FieldMapping::default(),
    };
    let profile = Profile {
        database,
        mapping,
        ..Profile::new("default", Environment::Development)
    };
    // A saved value this version would refuse is dropped (it is asked for again), so the first
    // save does not write a file every later read refuses.
    Some(match profile.validate() {
        Ok(()) => profile,
        Err(_) => Profile::new("default", Environment::Development),
    })
}

/// The file name this build kind uses.
pub fn this_build_file_name() -> &'static str {
    file_name_for_build(cfg!(debug_assertions))
}

fn file_name_for_build(debug: bool) -> &'static str {
    if debug {
        "settings-dev.json"
    } else {
        "settings.json"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::ProfileError;

    #[derive(Debug)]
    enum TestError {
        File(FileError),
        Profile(ProfileError),
    }
    impl From<FileError> for TestError {
        fn from(e: FileError) -> Self {
            Self::File(e)
        }
    }
    impl From<ProfileError> for TestError {
        fn from(e: ProfileError) -> Self {
            Self::Profile(e)
        }
    }

    fn add(file: &ProfileFile, name: &str) -> Result<(), TestError> {
        file.update(|all| {
            all.add(Profile::new(name, Environment::Development), false)
                .map_err(TestError::from)
        })
    }

    #[test]
    fn an_update_keeps_what_another_writer_saved_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let window = ProfileFile::at(&path);
        let cli = ProfileFile::at(&path);
        add(&window, "dev").unwrap();
        add(&cli, "staging").unwrap();
        add(&window, "prod").unwrap();
        let names = window.load().unwrap().names();
        assert_eq!(
            names, "dev, staging, prod",
            "each writer read the file again before writing"
        );
    }

    #[test]
    fn concurrent_writers_lose_no_update() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let file = ProfileFile::at(&path);
                std::thread::spawn(move || add(&file, &format!("p{i}")).unwrap())
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let all = ProfileFile::at(&path).load().unwrap();
        assert_eq!(
            all.profiles.len(),
            8,
            "the lock serialises read-modify-write"
        );
    }

    #[test]
    fn a_failed_change_writes_nothing_and_a_bad_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let file = ProfileFile::at(&path);
        add(&file, "dev").unwrap();
        let before = fs::read(&path).unwrap();
        assert!(
            matches!(
                add(&file, "dev"),
                Err(TestError::Profile(ProfileError::Exists { .. }))
            ),
            "a duplicate is refused"
        );
        assert_eq!(
            fs::read(&path).unwrap(),
            before,
            "and the file is untouched"
        );

        fs::write(
            &path,
            b"{\"profiles\": {\"profiles\": [{\"name\": \"bad name\"}]}}",
        )
        .unwrap();
        let err = add(&file, "ok").unwrap_err();
        assert!(
            matches!(&err, TestError::File(FileError::Invalid { reason, .. }) if reason.contains("not a profile name")),
            "a hand-edited bad entry is named: {err:?}"
        );
        assert!(
            fs::read_to_string(&path).unwrap().contains("bad name"),
            "the bad file is left for the user to fix"
        );
    }

    #[test]
    fn other_keys_of_the_store_file_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        fs::write(&path, br#"{"windowTheme": "dark"}"#).unwrap();
        let file = ProfileFile::at(&path);
        add(&file, "dev").unwrap();
        let object: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            object["windowTheme"], "dark",
            "only the profiles key is ours"
        );
        assert_eq!(object[KEY]["default"], "dev");
    }

    #[test]
    fn the_one_database_settings_of_earlier_versions_become_profile_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        fs::write(&path, br#"{"settings": {"database": "app"}}"#).unwrap();
        let file = ProfileFile::at(&path);
        let all = file.load().unwrap();
        assert_eq!(all.default.as_deref(), Some("default"));
        assert_eq!(
            all.profiles[0].database, "app",
            "the saved database is kept"
        );
        add(&file, "staging").unwrap();
        let object: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert!(
            object.get(LEGACY_KEY).is_none(),
            "written once in the new form"
        );
        assert_eq!(file.load().unwrap().names(), "default, staging");
    }

    #[test]
    fn debug_and_release_builds_keep_separate_files() {
        assert_ne!(file_name_for_build(true), file_name_for_build(false));
    }
}
