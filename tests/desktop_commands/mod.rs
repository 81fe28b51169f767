//! The window's commands through Tauri's mock runtime: IPC request in, JSON out, against a real
//! test database and, when a session bus is there, the real OS keychain (Secret Service).

use std::path::PathBuf;

use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

use syncdesk::desktop::state::AppState;
use syncdesk::keychain::Keychain;
use syncdesk::mongo::FieldMapping;
use syncdesk::profile::file::{ProfileFile, this_build_file_name};
use syncdesk::scenario::seed_report_documents;
use syncdesk::secrets::{SecretName, Sensitive};
use syncdesk::workspace::Overrides;

use crate::support::{self, TestDb};

mod diff;
mod leaks;
mod profiles;
mod review;
mod secrets;
mod settings;
mod sync;
mod users;
mod webhooks;

/// A URI nothing listens on, failing fast.
pub const DEAD_URI: &str =
    "mongodb://127.0.0.1:1/?directConnection=true&serverSelectionTimeoutMS=300";

/// The app as the UI sees it: one window, commands invoked over (mock) IPC.
pub struct MockApp {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    pub settings_file: PathBuf,
    pub dir: tempfile::TempDir,
    /// Every answer and error the page was given, for the secret-leak checks.
    pub transcript: std::cell::RefCell<String>,
}

impl MockApp {
    pub fn new(overrides: Overrides, keychain_service: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let settings_file = dir.path().join(this_build_file_name());
        let state = AppState::new(
            ProfileFile::at(&settings_file),
            Keychain::new(keychain_service),
            overrides,
        );
        let mut context = mock_context(noop_assets());
        // Gotcha 6: an empty identifier would put app data straight into ~/.local/share.
        context.config_mut().identifier = "com.syncdesk.test".into();
        let app = syncdesk::desktop::builder(mock_builder())
            .manage(state)
            .build(context)
            .unwrap();
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        Self {
            _app: app,
            window,
            settings_file,
            dir,
            transcript: Default::default(),
        }
    }

    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // Gotcha 5: any other origin counts as remote and is refused.
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.into(),
        };
        let answer = get_ipc_response(&self.window, request)
            .map(|body| body.deserialize::<Value>().unwrap());
        let shown = match &answer {
            Ok(v) | Err(v) => v.to_string(),
        };
        self.transcript
            .borrow_mut()
            .push_str(&format!("{cmd} -> {shown}\n"));
        answer
    }

    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        self.invoke(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    pub fn err_code(&self, cmd: &str, args: Value) -> String {
        match self.invoke(cmd, args) {
            Ok(v) => panic!("{cmd} should fail, got {v}"),
            Err(e) => e["code"]
                .as_str()
                .unwrap_or_else(|| panic!("{cmd}: no code in {e}"))
                .to_string(),
        }
    }
}

pub fn overrides(uri: Option<&str>, database: Option<&str>) -> Overrides {
    Overrides {
        secrets: uri
            .map(|u| (SecretName::MongodbUri, Sensitive::new(u.to_string())))
            .into_iter()
            .collect(),
        database: database.map(str::to_string),
        ..Overrides::default()
    }
}
/// The app over `db` and the Clerk sandbox at `url`, with `key`, from overrides alone.
pub fn sync_app(db: &TestDb, url: &str, key: &str) -> MockApp {
    let mut o = overrides(Some(&db.uri), Some(&db.name));
    o.clerk_api_url = Some(url.into());
    o.secrets
        .push((SecretName::ClerkSecretKey, Sensitive::new(key.into())));
    MockApp::new(o, "syncdesk-test-unused")
}

/// A fresh database holding the seed report's 33 users, and the runtime that owns its client.
pub fn seeded(test: &str) -> Option<(tokio::runtime::Runtime, TestDb)> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(support::test_db(test))?;
    rt.block_on(
        db.store
            .replace_all(seed_report_documents(&FieldMapping::default())),
    )
    .unwrap();
    Some((rt, db))
}

pub fn usernames(page: &Value) -> Vec<String> {
    page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap_or("").to_string())
        .collect()
}
