//! What the suites need besides cargo, checked before a test starts anything: each check
//! fails the test at once with a message naming the missing part and the command that
//! provides it.

use std::path::PathBuf;

/// The `redis-server` binary on `PATH`.
pub fn redis_server() -> PathBuf {
    on_path("redis-server").unwrap_or_else(|| {
        panic!("redis-server is not on PATH: install it (scripts/install-deps.sh installs it on Debian)")
    })
}

/// The first executable file called `name` in a directory of `PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| {
        std::fs::metadata(candidate).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}
