//! Running the programs the commands are made of, with errors that name the command.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use anyhow::Context;

/// A command in `dir`.
pub fn command(program: impl Into<OsString>, dir: &Path) -> Command {
    let mut command = Command::new(program.into());
    command.current_dir(dir);
    command
}

/// The cargo that runs this program (`$CARGO`), else `cargo` from PATH.
pub fn cargo(dir: &Path) -> Command {
    command(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()), dir)
}

/// How a command is shown in messages: the program and its arguments.
pub fn shown(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `command` with this process's stdout and stderr; fails naming it unless it succeeded.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command.status().with_context(|| format!("cannot run {}", shown(command)))?;
    anyhow::ensure!(status.success(), "{} failed ({status})", shown(command));
    Ok(())
}

/// Runs `command` and returns its stdout (its stderr goes to ours); fails naming it unless it
/// succeeded.
pub fn stdout(command: &mut Command) -> anyhow::Result<String> {
    let out = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {}", shown(command)))?;
    anyhow::ensure!(out.status.success(), "{} failed ({})", shown(command), out.status);
    String::from_utf8(out.stdout).with_context(|| format!("{} printed text that is not UTF-8", shown(command)))
}

/// Whether `program` is an executable file in a directory of PATH.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(program)).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// Puts cargo's bin directory (`$CARGO_HOME/bin`, else `~/.cargo/bin`) on PATH when it exists
/// and is not there yet: rustup installs cargo and rustc there, and a non-login shell may not
/// have it.
pub fn cargo_on_path() {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".cargo")));
    if let Some(bin) = cargo_home.map(|home| home.join("bin")).filter(|bin| bin.is_dir()) {
        let path = std::env::var_os("PATH").unwrap_or_default();
        if !std::env::split_paths(&path).any(|dir| dir == bin) {
            if let Ok(joined) = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path))) {
                std::env::set_var("PATH", joined);
            }
        }
    }
}
