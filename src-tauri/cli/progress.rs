//! A progress line on stderr: rewritten in place on a terminal; in a log or a pipe, a line of its
//! own at most once a second (the first always), so logs stay readable and scripts can follow.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a piped progress line is written.
const PIPED_EVERY: Duration = Duration::from_secs(1);

pub struct Status {
    terminal: bool,
    /// When the last piped line was written.
    last: Mutex<Option<Instant>>,
}

impl Status {
    pub fn new() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            last: Mutex::new(None),
        }
    }

    /// Shows `line` as the current progress.
    pub fn show(&self, line: std::fmt::Arguments<'_>) {
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r\x1b[2K{line}");
            return;
        }
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if last.is_none_or(|at| at.elapsed() >= PIPED_EVERY) {
            *last = Some(Instant::now());
            let _ = writeln!(err, "{line}");
        }
    }

    /// Clears the progress line, so what follows starts on a clean line.
    pub fn done(&self) {
        if self.terminal {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
