//! `cargo xtask`: the project's two everyday commands (`test`, `demo`) and its benchmarks.
//!
//! Each installs what is missing first (Debian packages, `tauri-driver`, the MongoDB-wire test
//! server) and stops every process it started, with SIGTERM, whatever the outcome.

mod process;
mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use process::{Service, run, run_tests};

const USAGE: &str = "usage: cargo xtask <command>

  test            fmt, clippy (both feature sets), every test against a fresh test database,
                  the real window under Xvfb; installs what is missing first
  demo [--screenshot PATH]
                  the report's scenario in a local database, then the Syncdesk window on it
                  (--screenshot: run headless under Xvfb, save a PNG and exit)
  bench [NAME..]  the performance benchmarks (release build), figures as side-by-side ratios
  fuzz [SECONDS]  cargo fuzz over signature verification and event parsing (default 60 s)

environment: MONGODB_URI  use this server instead of starting a test server";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("demo") => demo(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str)),
        _ => {
            println!("{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(err) = result {
        eprintln!("xtask: error: {err:#}");
        std::process::exit(1);
    }
}

/// The repository root (the parent of `xtask/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Where cargo builds: `CARGO_TARGET_DIR`, else `target/` in the repository.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// A database for the run: `MONGODB_URI` if set, else a fresh SecantusDB on a free loopback port.
fn database(root: &Path) -> Result<(String, Option<Service>)> {
    if let Ok(uri) = std::env::var("MONGODB_URI")
        && !uri.is_empty()
    {
        println!("xtask: using the server in MONGODB_URI");
        return Ok((uri, None));
    }
    let server = tools::start_test_server(root)?;
    Ok((server.0, Some(server.1)))
}

fn test() -> Result<()> {
    let root = root();
    tools::ensure_all(&root)?;
    run(
        cargo().args(["fmt", "--all", "--check"]),
        "cargo fmt --check (run `cargo fmt` to fix)",
    )?;
    run(
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--no-default-features",
            "--",
            "-D",
            "warnings",
        ]),
        "clippy, core only (--no-default-features)",
    )?;
    run(
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
        "clippy, desktop",
    )?;

    let (uri, _server) = database(&root)?;
    let scratch = root.join("target/xtask-test");
    let _ = std::fs::remove_dir_all(&scratch);
    for dir in ["data", "cache"] {
        std::fs::create_dir_all(scratch.join(dir)).context("creating target/xtask-test")?;
    }
    let env = |cmd: &mut Command| {
        cmd.env("MONGODB_URI", &uri)
            .env("SYNCDESK_REQUIRE_DB", "1")
            .env("XDG_DATA_HOME", scratch.join("data"))
            .env("XDG_CACHE_HOME", scratch.join("cache"))
            .env_remove("SYNCDESK_MONGODB_URI")
            .env_remove("SYNCDESK_CLERK_SECRET_KEY");
    };
    let mut core = cargo();
    core.args(["test", "--workspace", "--no-default-features"]);
    env(&mut core);
    let core_counts = run_tests(&mut core, "tests, core only (--no-default-features)")?;

    // The desktop tests need a session bus with an unlocked keyring and a display: both are
    // started here and end with the command (dbus-run-session and xvfb-run stop their children).
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let script = format!(
        "echo -n syncdesk-ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
         xvfb-run -a -s '-screen 0 1280x800x24' '{cargo_bin}' test --workspace"
    );
    let mut desktop = Command::new("dbus-run-session");
    desktop.current_dir(&root).args(["--", "sh", "-c", &script]);
    env(&mut desktop);
    // The window tests' screenshots are for review: only this run's may be there.
    let _ = std::fs::remove_dir_all(target_dir(&root).join("screenshots"));
    let desktop_counts = run_tests(
        &mut desktop,
        "tests, desktop (mock runtime, keychain, real window under Xvfb)",
    )?;
    // The plain closing line CI reads: every test once, though the core's run in both feature sets.
    let all = core_counts.merge(desktop_counts);
    println!(
        "xtask: {} passed, {} failed",
        all.passed.len(),
        all.failed.len()
    );
    println!(
        "xtask: all checks passed; the window's screenshots are in {}",
        target_dir(&root).join("screenshots").display()
    );
    Ok(())
}

fn demo(args: &[String]) -> Result<()> {
    let screenshot = match args {
        [] => None,
        [flag, path] if flag == "--screenshot" => Some(PathBuf::from(path)),
        _ => bail!("usage: cargo xtask demo [--screenshot PATH]"),
    };
    let root = root();
    tools::ensure_all(&root)?;
    run(
        cargo().args(["build", "--bin", "syncdesk"]),
        "building syncdesk",
    )?;
    let binary = root.join("target/debug/syncdesk");
    let (uri, _server) = database(&root)?;
    let database = "syncdesk_demo";
    let (clerk_url, _sandbox) = start_sandbox(&binary)?;
    let demo_key = "sk_test_syncdeskdemo0000000000000000";
    let app = |cmd: &mut Command| {
        cmd.current_dir(&root)
            .env("SYNCDESK_MONGODB_URI", &uri)
            .env("SYNCDESK_DATABASE", database)
            .env("SYNCDESK_CLERK_API_URL", &clerk_url)
            .env("SYNCDESK_CLERK_SECRET_KEY", demo_key);
    };
    let mut seed = Command::new(&binary);
    seed.args(["db", "seed", "seed-report", "--force"]);
    app(&mut seed);
    run(&mut seed, "seeding the seed-report scenario")?;
    let mut diff = Command::new(&binary);
    diff.arg("diff");
    app(&mut diff);
    run(
        &mut diff,
        "the diff: how Clerk (the sandbox) and the database disagree",
    )?;
    println!(
        "xtask: to fix it, in another terminal while the demo runs:\n  SYNCDESK_MONGODB_URI='{uri}' SYNCDESK_DATABASE={database} SYNCDESK_CLERK_API_URL={clerk_url} SYNCDESK_CLERK_SECRET_KEY={demo_key} target/debug/syncdesk sync"
    );

    match screenshot {
        None if std::env::var_os("DISPLAY").is_none()
            && std::env::var_os("WAYLAND_DISPLAY").is_none() =>
        {
            bail!(
                "no display to open the window on; run `cargo xtask demo --screenshot demo.png` to see it headless"
            )
        }
        None => {
            println!("xtask: opening the Syncdesk window (close it to stop the demo)");
            let mut window = Command::new(&binary);
            app(&mut window);
            run(&mut window, "the Syncdesk window")
        }
        Some(path) => {
            let path = std::path::absolute(&path).context("resolving the screenshot path")?;
            let script = format!(
                "'{}' & app=$!; sleep 10; import -window root '{}'; kill -TERM $app; wait $app; true",
                binary.display(),
                path.display()
            );
            let mut headless = Command::new("dbus-run-session");
            headless.args([
                "--",
                "xvfb-run",
                "-a",
                "-s",
                "-screen 0 1280x800x24",
                "sh",
                "-c",
                &script,
            ]);
            app(&mut headless);
            run(&mut headless, "the window under Xvfb")?;
            println!("xtask: screenshot saved to {}", path.display());
            Ok(())
        }
    }
}

/// `syncdesk sandbox --preset seed-report` on a free port; its base URL and the running service.
fn start_sandbox(binary: &Path) -> Result<(String, Service)> {
    use std::io::BufRead;
    let mut child = Command::new(binary)
        .args(["sandbox", "--preset", "seed-report", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("starting the Clerk sandbox")?;
    let mut reader = std::io::BufReader::new(child.stdout.take().context("sandbox stdout")?);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .context("reading the sandbox's URL")?;
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let url = line.trim().to_string();
    let service = Service {
        name: "the Clerk sandbox",
        child,
    };
    if !url.starts_with("http://") {
        bail!("the sandbox did not print its URL (got {url:?})");
    }
    println!("xtask: Clerk sandbox (seed-report) at {url}");
    Ok((url, service))
}

/// Runs the fuzz target in `tests/fuzz` (its own workspace). cargo fuzz needs nightly features;
/// the machine's one stable toolchain provides them with `RUSTC_BOOTSTRAP=1`.
fn fuzz(seconds: Option<&str>) -> Result<()> {
    let seconds: u64 = seconds
        .unwrap_or("60")
        .parse()
        .context("usage: cargo xtask fuzz [SECONDS]")?;
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let installed = Command::new(&cargo_bin)
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        run(
            Command::new(&cargo_bin).args(["install", "cargo-fuzz", "--locked"]),
            "installing cargo-fuzz",
        )?;
    }
    let mut cmd = cargo();
    cmd.env("RUSTC_BOOTSTRAP", "1")
        .args([
            "fuzz",
            "run",
            "--fuzz-dir",
            "tests/fuzz",
            "verify_and_parse",
            "--",
        ])
        .arg(format!("-max_total_time={seconds}"));
    run(
        &mut cmd,
        &format!("fuzzing verification and event parsing for {seconds} s"),
    )
}

fn bench(names: &[String]) -> Result<()> {
    let root = root();
    tools::ensure_all(&root)?;
    let (uri, _server) = database(&root)?;
    // `window` (alone or among all) drives the release app: built with the window first and
    // copied aside, since the bench build below links a CLI-only `syncdesk` in its place.
    let window = names.is_empty()
        || names
            .iter()
            .any(|n| "window".contains(n.as_str()) || n.starts_with("window"));
    let mut cmd = if window {
        let mut build = cargo();
        build
            .current_dir(&root)
            .args(["build", "--release", "--bin", "syncdesk"]);
        run(
            &mut build,
            "the release app (with the window) for the window bench",
        )?;
        let release = target_dir(&root).join("release");
        let app = target_dir(&root).join("bench-app");
        std::fs::create_dir_all(&app)?;
        std::fs::copy(release.join("syncdesk"), app.join("syncdesk"))?;
        // A display and a session bus for the window, ended with the benches.
        let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut line = format!(
            "xvfb-run -a -s '-screen 0 1280x800x24' '{cargo_bin}' bench --no-default-features --bench bench --"
        );
        for name in names {
            line.push_str(&format!(" '{}'", name.replace('\'', "")));
        }
        let mut shell = Command::new("dbus-run-session");
        shell
            .current_dir(&root)
            .args(["--", "sh", "-c", &line])
            .env("SYNCDESK_APP", app.join("syncdesk"));
        shell
    } else {
        let mut cmd = cargo();
        cmd.args(["bench", "--no-default-features", "--bench", "bench", "--"])
            .args(names);
        cmd
    };
    cmd.env("MONGODB_URI", &uri);
    run(&mut cmd, "benchmarks")
}
