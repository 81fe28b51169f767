//! Child processes: run a step and fail with its name, or keep a service and SIGTERM it on drop.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Runs a step to completion; a non-zero exit is an error naming the step.
pub fn run(cmd: &mut Command, what: &str) -> Result<()> {
    println!("xtask: {what}");
    let status = cmd.status().with_context(|| format!("starting {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Runs `cargo test`, passing its output through, and counts the tests it reports.
pub fn run_tests(cmd: &mut Command, what: &str) -> Result<Tests> {
    use std::io::{BufRead, BufReader, Write};
    println!("xtask: {what}");
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {what}"))?;
    let mut tests = Tests::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            let _ = writeln!(std::io::stdout(), "{line}");
            tests.read(&line);
        }
    }
    let status = child
        .wait()
        .with_context(|| format!("waiting for {what}"))?;
    if !status.success() {
        bail!(
            "{what} failed ({status}): {} passed, {} failed",
            tests.passed.len(),
            tests.failed.len()
        );
    }
    if !tests.repeated.is_empty() {
        bail!(
            "{what}: tests of the same name in two binaries, so the count would be wrong; rename one: {}",
            tests.repeated.join(", ")
        );
    }
    Ok(tests)
}

/// The tests a run reported by name (`test NAME ... ok`: a module path, distinct between the
/// library's unit tests and the integration binary's modules), so that a test run in both
/// feature sets counts once.
#[derive(Debug, Default)]
pub struct Tests {
    pub passed: std::collections::BTreeSet<String>,
    pub failed: std::collections::BTreeSet<String>,
    /// Names reported twice within one run (then the count would be short).
    repeated: Vec<String>,
}

impl Tests {
    fn read(&mut self, line: &str) {
        let Some(rest) = line.strip_prefix("test ") else {
            return;
        };
        if let Some(name) = rest.strip_suffix(" ... ok") {
            self.insert(name, true);
        } else if let Some(name) = rest.strip_suffix(" ... FAILED") {
            self.insert(name, false);
        }
    }

    fn insert(&mut self, name: &str, passed: bool) {
        // Two binaries of one run with a test of the same name would count as one.
        let seen = self.passed.contains(name) || self.failed.contains(name);
        if seen {
            self.repeated.push(name.to_string());
        }
        match passed {
            true => self.passed.insert(name.to_string()),
            false => self.failed.insert(name.to_string()),
        };
    }

    /// Both runs together: a test that failed in either is failed.
    pub fn merge(mut self, other: Tests) -> Tests {
        self.passed.extend(other.passed);
        self.failed.extend(other.failed);
        self.passed.retain(|name| !self.failed.contains(name));
        self
    }
}

/// A background process stopped with SIGTERM (then SIGKILL after 10 s) when dropped.
pub struct Service {
    pub name: &'static str,
    pub child: Child,
}

impl Service {
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if !self.is_running() {
                println!("xtask: stopped {} (pid {pid})", self.name);
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!(
            "xtask: {} (pid {pid}) ignored SIGTERM for 10 s; killing it",
            self.name
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
