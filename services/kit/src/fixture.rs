//! Services whose data comes from a JSON fixture: the embedded file, or the one named by
//! `CARDMESH_FIXTURES`.

use anyhow::Context;

/// Environment variable naming a fixture file to use instead of the embedded one.
pub const FIXTURES_ENV: &str = "CARDMESH_FIXTURES";

/// Parses the file named by [`FIXTURES_ENV`] with `parse`, or `embedded` when the variable
/// is unset or empty. Errors name the variable and the file.
pub fn fixture_from_env<T>(embedded: &str, parse: impl FnOnce(&str) -> anyhow::Result<T>) -> anyhow::Result<T> {
    match std::env::var_os(FIXTURES_ENV).filter(|path| !path.is_empty()) {
        Some(path) => {
            let shown = std::path::Path::new(&path).display().to_string();
            let json = std::fs::read_to_string(&path).with_context(|| format!("cannot read {FIXTURES_ENV}={shown}"))?;
            parse(&json).with_context(|| format!("in {FIXTURES_ENV}={shown}"))
        }
        None => parse(embedded),
    }
}
