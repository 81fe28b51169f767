//! How WebKitGTK draws the window on Linux. Its GPU compositing falls back to software GL (Mesa's
//! llvmpipe) on a machine without a GPU render node: a VM, a remote desktop, Xvfb. There every
//! repaint costs tens of milliseconds, several times what drawing without compositing costs,
//! and a keystroke in the Users view misses its budget. So Syncdesk turns compositing off there;
//! `SYNCDESK_COMPOSITING=on|off|auto` overrides the choice.

use std::path::Path;

/// Whether the page is drawn with GPU compositing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compositing {
    On,
    Off,
}

/// The choice for `setting` (`SYNCDESK_COMPOSITING`) on a machine that has (`render_node`) or
/// lacks a GPU render node; an unknown setting is named, with the values it may take.
pub fn choose(setting: Option<&str>, render_node: bool) -> Result<Compositing, String> {
    match setting
        .map(str::trim)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("" | "auto") if render_node => Ok(Compositing::On),
        None | Some("" | "auto") => Ok(Compositing::Off),
        Some("on") => Ok(Compositing::On),
        Some("off") => Ok(Compositing::Off),
        Some(other) => Err(format!(
            "SYNCDESK_COMPOSITING={other:?} is not a choice: use on, off or auto (the default: off without a GPU)"
        )),
    }
}

/// A GPU render node (`/dev/dri/renderD128`, …) is there for WebKit's GL to use.
pub fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Applies the choice to the window's webview (Linux only; elsewhere the platform decides).
pub fn apply<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    let setting = std::env::var("SYNCDESK_COMPOSITING").ok();
    let compositing = match choose(setting.as_deref(), has_render_node(Path::new("/dev/dri"))) {
        Ok(choice) => choice,
        Err(why) => {
            tracing::warn!("{why}");
            Compositing::On
        }
    };
    tracing::debug!(?compositing, "drawing the window");
    #[cfg(target_os = "linux")]
    if compositing == Compositing::Off {
        let _ = window.with_webview(|webview| {
            use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (window, compositing);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compositing_is_off_without_a_gpu_unless_asked_for() {
        assert_eq!(
            choose(None, true),
            Ok(Compositing::On),
            "a GPU: WebKit composites"
        );
        assert_eq!(
            choose(None, false),
            Ok(Compositing::Off),
            "software GL: drawn without"
        );
        assert_eq!(choose(Some(" AUTO "), false), Ok(Compositing::Off));
        assert_eq!(
            choose(Some("on"), false),
            Ok(Compositing::On),
            "asked for, it is on"
        );
        assert_eq!(choose(Some("off"), true), Ok(Compositing::Off));
        let refused = choose(Some("yes"), true).unwrap_err();
        assert!(
            refused.contains("on, off or auto"),
            "a bad value names the choices: {refused}"
        );
    }

    #[test]
    fn a_render_node_is_a_renderd_entry_of_the_dri_folder() {
        let dri = tempfile::tempdir().unwrap();
        assert!(!has_render_node(dri.path()), "an empty folder");
        std::fs::write(dri.path().join("card0"), "").unwrap();
        assert!(
            !has_render_node(dri.path()),
            "a card alone is not a render node"
        );
        std::fs::write(dri.path().join("renderD128"), "").unwrap();
        assert!(has_render_node(dri.path()));
        assert!(
            !has_render_node(&dri.path().join("missing")),
            "no folder at all"
        );
    }
}
