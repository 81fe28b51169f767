//! Installing what is missing (each step skipped when already present) and starting the test
//! database server.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::process::{Service, run};

/// Debian packages: webkit to build the window; Xvfb, the WebDriver, xdotool (real key presses,
/// where WebKit's driver cannot type) and a keyring to test it.
const APT_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "xdotool",
    "imagemagick",
    "gnome-keyring",
    "dbus-x11",
    "libsecret-tools",
    "python3-venv",
];

/// The MongoDB-wire test server, pinned: it is a beta that releases almost daily.
const SECANTUS: &str = "SecantusDB==0.7.0b3";

pub fn ensure_all(root: &Path) -> Result<()> {
    ensure_apt_packages()?;
    ensure_tauri_driver()?;
    ensure_test_server(root)?;
    Ok(())
}

fn ensure_apt_packages() -> Result<()> {
    if !Path::new("/etc/debian_version").exists() {
        println!(
            "xtask: not Debian/Ubuntu: install by hand the equivalents of {} (see README, \"Set-up elsewhere\")",
            APT_PACKAGES.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|p| !dpkg_installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    let mut prefix: Vec<&str> = Vec::new();
    if !root_user {
        if Command::new("sudo")
            .arg("-n")
            .arg("true")
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
        {
            prefix.push("sudo");
        } else {
            bail!(
                "missing packages: {0}. Install them with:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends {0}",
                missing.join(" ")
            );
        }
    }
    let apt = |args: &[&str]| {
        let mut cmd = Command::new(prefix.first().copied().unwrap_or("apt-get"));
        if !prefix.is_empty() {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(&mut apt(&["update", "-q"]), "apt-get update")?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install, &format!("installing {}", missing.join(" ")))
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn ensure_tauri_driver() -> Result<()> {
    if on_path("tauri-driver") {
        return Ok(());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(
        Command::new(cargo).args(["install", "tauri-driver", "--version", "^2", "--locked"]),
        "installing tauri-driver (cargo install, about a minute)",
    )
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

fn venv(root: &Path) -> PathBuf {
    root.join("target/secantus-venv")
}

fn ensure_test_server(root: &Path) -> Result<()> {
    let venv = venv(root);
    let stamp = venv.join("syncdesk-installed");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == SECANTUS) {
        return Ok(());
    }
    let _ = std::fs::remove_dir_all(&venv);
    std::fs::create_dir_all(root.join("target")).context("creating target/")?;
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "creating the test server's Python venv",
    )?;
    run(
        Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            SECANTUS,
        ]),
        &format!("installing {SECANTUS} (the MongoDB-wire test server)"),
    )?;
    std::fs::write(&stamp, SECANTUS).context("writing the venv stamp")
}

/// Starts SecantusDB in memory on a free loopback port; returns its URI and the running service.
pub fn start_test_server(root: &Path) -> Result<(String, Service)> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let log_path = root.join("target/secantus.log");
    let log = std::fs::File::create(&log_path).context("creating target/secantus.log")?;
    let child = Command::new(venv(root).join("bin/secantusd-py"))
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--storage-path",
            ":memory:",
        ])
        .args(["--log-level", "WARNING"])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting secantusd-py")?;
    let mut service = Service {
        name: "the test database (secantusd-py)",
        child,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if !service.is_running() || Instant::now() > deadline {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            bail!("the test database did not start on port {port}:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "xtask: test database on 127.0.0.1:{port} (pid {})",
        service.child.id()
    );
    Ok((
        format!("mongodb://127.0.0.1:{port}/?directConnection=true"),
        service,
    ))
}
