//! Processes started and stopped together on 127.0.0.1, for `cargo xtask dev` and
//! `cargo xtask bench`: [`children`] (one process group, a log file each) and [`signals`]
//! (Ctrl-C and SIGTERM).

pub mod children;
pub mod signals;

/// Ctrl-C or SIGTERM ended the run: the exit status is 128 + the signal's number.
#[derive(Debug)]
pub struct Interrupted(pub i32);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stopped by signal {}", self.0)
    }
}

impl std::error::Error for Interrupted {}

/// Fails with [`Interrupted`] once Ctrl-C or SIGTERM arrived.
pub fn interrupted() -> anyhow::Result<()> {
    match signals::received() {
        Some(signal) => Err(Interrupted(signal).into()),
        None => Ok(()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;
    use std::time::{Duration, Instant};

    /// Waits for `condition`, failing after a minute.
    pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !condition() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The trimmed contents of `path` once it has some.
    pub fn wait_for_file(path: &Path) -> String {
        let mut text = String::new();
        wait_until(&path.display().to_string(), || {
            text = std::fs::read_to_string(path).unwrap_or_default().trim().to_owned();
            !text.is_empty()
        });
        text
    }
}
