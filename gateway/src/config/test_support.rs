//! Loading a [`Config`] from environment pairs, for the config modules' tests: one place for
//! what each kind of test starts from.

use super::{Config, ConfigError, EnvOverrides};

/// `pairs` and nothing else.
pub(crate) fn load_env(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::load(None, &EnvOverrides::from_pairs(pairs.iter().copied()))
}

/// `pairs` and nothing else; the error as its text.
pub(crate) fn load_text(pairs: &[(&str, &str)]) -> Result<Config, String> {
    load_env(pairs).map_err(|e| e.to_string())
}

/// `pairs` after a signing secret, for tests of other settings; the error as its text.
pub(crate) fn load_signed(pairs: &[(&str, &str)]) -> Result<Config, String> {
    let mut all = vec![("CARDMESH_SIGNING_SECRETS", "from-plain")];
    all.extend_from_slice(pairs);
    load_text(&all)
}

/// `pairs` after an unsigned gateway on 127.0.0.1:8080, for settings that need no secret.
pub(crate) fn load_unsigned_local(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut all = vec![("CARDMESH_ALLOW_UNSIGNED", "true"), ("CARDMESH_LISTEN", "127.0.0.1:8080")];
    all.extend_from_slice(pairs);
    load_env(&all)
}
