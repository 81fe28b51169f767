//! The window as Syncdesk draws it by default on a machine without a GPU (this one): without
//! GPU compositing. WebKit's driver cannot type there, so the keys are real X key presses
//! (xdotool) into the search, and WebDriver only reads and clicks. The window has an X display
//! of its own, so the keys reach it and no other test's window.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use syncdesk::desktop::rendering::has_render_node;

/// An Xvfb of this test's own, stopped on drop.
struct Display {
    server: Child,
    name: String,
}

impl Display {
    fn start() -> Self {
        let mut server = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb: cargo xtask test installs it");
        let mut number = String::new();
        BufReader::new(server.stdout.take().unwrap())
            .read_line(&mut number)
            .unwrap();
        Self {
            server,
            name: format!(":{}", number.trim()),
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

use super::diff::{click, wait_for_count};
use super::{Driver, connect, screenshot, window_or_skip};
use crate::support::{self, clerk::TEST_KEY};

#[tokio::test]
async fn the_default_drawing_takes_real_key_presses() {
    if !window_or_skip("the_default_drawing_takes_real_key_presses") {
        return;
    }
    let Some((db, sandbox)) = support::seed_report_world("window_default_drawing").await else {
        return;
    };
    let display = Display::start();
    let driver = Driver::spawn_with(&[
        ("DISPLAY", display.name.as_str()),
        ("SYNCDESK_MONGODB_URI", db.uri.as_str()),
        ("SYNCDESK_DATABASE", db.name.as_str()),
        ("SYNCDESK_CLERK_SECRET_KEY", TEST_KEY),
        ("SYNCDESK_CLERK_API_URL", sandbox.base_url.as_str()),
        // The default: off without a GPU render node, as here.
        ("SYNCDESK_COMPOSITING", "auto"),
    ]);
    let client = connect(driver.port).await;
    wait_for_count(&client, "34 users").await;
    let drawn: bool = serde_json::from_value(
        client
            .execute("return document.visibilityState === 'visible';", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(drawn, "the page is shown");

    click(&client, "#diff-search").await;
    let typed = Command::new("xdotool")
        .args(["type", "--delay", "40", "casey"])
        .env("DISPLAY", &display.name)
        .status()
        .expect("xdotool: cargo xtask test installs it");
    assert!(typed.success(), "xdotool typed into the focused window");
    wait_for_count(&client, "1 of 34 users").await;
    let first: String = serde_json::from_value(
        client
            .execute(
                "return document.querySelector('#diff-rows .grid-row [data-col=\"email\"]').textContent;",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    let gpu = has_render_node(Path::new("/dev/dri"));
    assert_eq!(
        first,
        "casey.nguyen@example.com",
        "real key presses searched the table (drawn {} GPU compositing)",
        if gpu { "with" } else { "without" }
    );
    screenshot(&client, "default-drawing-typed.png").await;
    client.close().await.unwrap();
    drop(driver);
    drop(display);
    sandbox.stop().await;
    db.cleanup().await;
}
