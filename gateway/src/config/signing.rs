//! Request signing settings: which secrets sign Plain's requests (one list, or one list per
//! workspace) and the optional replay window.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::Secret;

/// The HMAC-SHA256 secrets Plain signs requests with.
///
/// - A list (`signing_secrets = ["new", "old"]`, `CARDMESH_SIGNING_SECRETS=new,old`): one
///   workspace, or several sharing secrets; any secret may match, so a secret is rotated by
///   adding the new one, switching Plain over, then removing the old one.
/// - A table of `Plain-Workspace-Id` to a list (`[signing_secrets] w_1 = ["s1", "s2"]`,
///   `CARDMESH_WORKSPACE_SECRETS=w_1=s1|s2,w_2=s3`): each workspace has its own secrets and
///   its own rotation; a request from a workspace not in the table, or without the header,
///   is refused with `401 unknown_workspace` before its signature is looked at.
///
/// Default: an empty list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum SigningSecrets {
    /// Secrets accepted whatever the workspace.
    Shared(Vec<Secret>),
    /// Workspace id to that workspace's secrets.
    PerWorkspace(BTreeMap<String, Vec<Secret>>),
}

impl Default for SigningSecrets {
    fn default() -> Self {
        SigningSecrets::Shared(Vec::new())
    }
}

impl From<Vec<Secret>> for SigningSecrets {
    fn from(secrets: Vec<Secret>) -> Self {
        SigningSecrets::Shared(secrets)
    }
}

impl From<BTreeMap<String, Vec<Secret>>> for SigningSecrets {
    fn from(map: BTreeMap<String, Vec<Secret>>) -> Self {
        SigningSecrets::PerWorkspace(map)
    }
}

impl SigningSecrets {
    /// True when no secret is configured at all.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Every configured secret, of every workspace.
    pub fn iter(&self) -> Box<dyn Iterator<Item = &Secret> + '_> {
        match self {
            SigningSecrets::Shared(list) => Box::new(list.iter()),
            SigningSecrets::PerWorkspace(map) => Box::new(map.values().flatten()),
        }
    }
}

impl<'de> Deserialize<'de> for SigningSecrets {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecretsVisitor;

        impl<'de> Visitor<'de> for SecretsVisitor {
            type Value = SigningSecrets;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of secrets, or a table of workspace id to a list of secrets")
            }

            // A lone string may be a secret: the error must not repeat it.
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Err(E::custom(
                    "expected a list of secrets, or a table of workspace id to a list of secrets, \
                     not a single string (the value is not shown)",
                ))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(SigningSecrets::Shared)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                BTreeMap::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(SigningSecrets::PerWorkspace)
            }
        }

        deserializer.deserialize_any(SecretsVisitor)
    }
}

/// How signed requests are checked beyond the signature itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SignatureSettings {
    /// Replay window: refuse a signed body whose top-level `timestamp` (ISO-8601, e.g.
    /// `2026-01-05T10:00:00.000Z`) is missing, unparseable, or further than this from the
    /// gateway's clock in either direction, with `401 stale_request`. Plain sends that field
    /// but does not document it, so the window is off unless set (default: off).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub max_age: Option<Duration>,
}

/// Checks the signing settings; pushes one message per broken rule. Secrets are never
/// part of a message; workspace ids are.
pub(super) fn validate(config: &super::Config, errors: &mut Vec<String>) {
    match &config.signing_secrets {
        SigningSecrets::Shared(list) => {
            if list.is_empty() && !config.allow_unsigned {
                errors.push(
                    "signing_secrets: no signing secret is set, so Plain's requests cannot be \
                     verified. Set CARDMESH_SIGNING_SECRETS to the HMAC secret from Plain \
                     (Settings -> Request signing), or CARDMESH_WORKSPACE_SECRETS to \
                     WORKSPACE_ID=SECRET pairs, or, for local development on 127.0.0.1 only, \
                     set CARDMESH_ALLOW_UNSIGNED=true"
                        .to_owned(),
                );
            }
            if list.iter().any(|s| s.expose().is_empty()) {
                errors.push("signing_secrets: a secret is empty; remove it or give it a value".into());
            }
        }
        SigningSecrets::PerWorkspace(map) => {
            if map.is_empty() {
                errors.push(
                    "signing_secrets: the workspace table is empty, so every request would be \
                     refused; add WORKSPACE_ID = [\"secret\"] entries, or use a list of secrets"
                        .into(),
                );
            }
            for (workspace, secrets) in map {
                if workspace.trim().is_empty() || http::HeaderValue::from_str(workspace).is_err() {
                    errors.push(format!(
                        "signing_secrets: {workspace:?} is not a workspace id; use the \
                         Plain-Workspace-Id Plain sends (Settings -> Workspace), e.g. w_01H..."
                    ));
                }
                if secrets.is_empty() {
                    errors.push(format!(
                        "signing_secrets.{workspace}: no secret; give the workspace at least one, \
                         or remove it to refuse its requests"
                    ));
                }
                if secrets.iter().any(|s| s.expose().is_empty()) {
                    errors
                        .push(format!("signing_secrets.{workspace}: a secret is empty; remove it or give it a value"));
                }
            }
        }
    }
    if config.signature.max_age.is_some_and(|d| d.is_zero()) {
        errors.push(
            "signature.max_age: must be above 0, e.g. 5m; remove it (or CARDMESH_SIGNATURE_MAX_AGE) \
             to turn the replay window off"
                .into(),
        );
    }
}

/// Parses `CARDMESH_WORKSPACE_SECRETS`: `WORKSPACE=SECRET|SECRET,WORKSPACE=SECRET`. A secret
/// may contain `=` but not `,` or `|` (use the file for those). Errors name the entry by its
/// position and workspace, never by a secret.
pub(super) fn parse_workspace_secrets(name: &str, raw: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut map = BTreeMap::new();
    for (i, entry) in raw.split(',').map(str::trim).filter(|e| !e.is_empty()).enumerate() {
        let Some((workspace, secrets)) = entry.split_once('=') else {
            return Err(format!(
                "{name}: entry {} has no '='; write WORKSPACE_ID=SECRET|SECRET entries separated \
                 by commas, e.g. w_1=s1|s2,w_2=s3",
                i + 1
            ));
        };
        let workspace = workspace.trim();
        if workspace.is_empty() {
            return Err(format!("{name}: entry {} has no workspace id before '='", i + 1));
        }
        let secrets: Vec<String> =
            secrets.split('|').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
        if secrets.is_empty() {
            return Err(format!("{name}: workspace {workspace:?} has no secret after '='"));
        }
        if map.insert(workspace.to_owned(), secrets).is_some() {
            return Err(format!(
                "{name}: workspace {workspace:?} is listed twice; put all its secrets in one entry, \
                 separated by |"
            ));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::time::Duration;

    use super::super::{Config, ConfigError, EnvOverrides};
    use super::SigningSecrets;

    use crate::config::test_support::load_env as load;

    fn load_file(toml: &str) -> Result<Config, ConfigError> {
        let path = std::env::temp_dir().join(format!("cardmesh-signing-{}-{}.toml", std::process::id(), toml.len()));
        std::fs::File::create(&path).unwrap().write_all(toml.as_bytes()).unwrap();
        let config = Config::load(Some(&path), &EnvOverrides::default());
        std::fs::remove_file(&path).ok();
        config
    }

    fn table(config: &Config) -> Vec<(String, Vec<String>)> {
        match &config.signing_secrets {
            SigningSecrets::PerWorkspace(map) => {
                map.iter().map(|(w, s)| (w.clone(), s.iter().map(|s| s.expose().to_owned()).collect())).collect()
            }
            other => panic!("expected a workspace table, got {other:?}"),
        }
    }

    #[test]
    fn workspace_secrets_from_env() {
        let config = load(&[("CARDMESH_WORKSPACE_SECRETS", " w_1=s1|s2 , w_2=s3==")]).unwrap();
        let expected =
            [("w_1".to_owned(), vec!["s1".to_owned(), "s2".to_owned()]), ("w_2".to_owned(), vec!["s3==".to_owned()])];
        assert_eq!(table(&config), expected);
        assert!(!format!("{config:?}").contains("s3=="));
    }

    #[test]
    fn workspace_secrets_from_the_file_and_the_flat_list_still_works() {
        let config = load_file("[signing_secrets]\nw_1 = [\"a\", \"b\"]\nw_2 = [\"c\"]\n").unwrap();
        assert_eq!(table(&config).len(), 2);
        let config = load_file("signing_secrets = [\"a\", \"b\"]\n").unwrap();
        assert!(matches!(&config.signing_secrets, SigningSecrets::Shared(list) if list.len() == 2));
    }

    #[test]
    fn bad_env_entries_are_named_without_their_secrets() {
        for (raw, expected) in [
            ("w_1=s1,hunter2", "entry 2 has no '='"),
            ("=hunter2", "entry 1 has no workspace id"),
            ("w_1=", "\"w_1\" has no secret"),
            ("w_1=hunter2,w_1=other", "\"w_1\" is listed twice"),
        ] {
            let err = load(&[("CARDMESH_WORKSPACE_SECRETS", raw)]).unwrap_err().to_string();
            assert!(err.contains("CARDMESH_WORKSPACE_SECRETS") && err.contains(expected), "{raw}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
        let err = load(&[("CARDMESH_WORKSPACE_SECRETS", "w_1=a"), ("CARDMESH_SIGNING_SECRETS", "b")])
            .unwrap_err()
            .to_string();
        assert_eq!(err.to_string(), "CARDMESH_SIGNING_SECRETS and CARDMESH_WORKSPACE_SECRETS are both set; use one: a shared list, or WORKSPACE_ID=SECRET|SECRET pairs");
    }

    #[test]
    fn the_development_secret_of_compose_yields_to_a_workspace_table() {
        let config = load(&[
            ("CARDMESH_SIGNING_SECRETS", crate::config::DEVELOPMENT_SECRET),
            ("CARDMESH_WORKSPACE_SECRETS", "w_1=s1"),
        ])
        .unwrap();
        assert_eq!(table(&config), [("w_1".to_owned(), vec!["s1".to_owned()])]);
    }

    #[test]
    fn bad_tables_say_how_to_fix_them() {
        let err = load_file("[signing_secrets]\n").unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - signing_secrets: the workspace table is empty, so every request would be refused; add WORKSPACE_ID = [\"secret\"] entries, or use a list of secrets");
        let err = load_file("[signing_secrets]\nw_1 = []\nw_2 = [\"\"]\n").unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - signing_secrets.w_1: no secret; give the workspace at least one, or remove it to refuse its requests\n  - signing_secrets.w_2: a secret is empty; remove it or give it a value");
        let err = load_file("signing_secrets = \"just-one\"\n").unwrap_err().to_string();
        assert!(err.contains("a list of secrets, or a table of workspace id"), "{err}");
        assert!(!err.contains("just-one"), "{err}");
    }

    #[test]
    fn max_age_is_off_by_default_and_read_as_a_duration() {
        let config = load(&[("CARDMESH_SIGNING_SECRETS", "s")]).unwrap();
        assert_eq!(config.signature.max_age, None);
        let config = load(&[("CARDMESH_SIGNING_SECRETS", "s"), ("CARDMESH_SIGNATURE_MAX_AGE", "5m")]).unwrap();
        assert_eq!(config.signature.max_age, Some(Duration::from_secs(300)));
        let config = load_file("signing_secrets = [\"s\"]\n[signature]\nmax_age = \"90s\"\n").unwrap();
        assert_eq!(config.signature.max_age, Some(Duration::from_secs(90)));
        let err =
            load(&[("CARDMESH_SIGNING_SECRETS", "s"), ("CARDMESH_SIGNATURE_MAX_AGE", "0s")]).unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - signature.max_age: must be above 0, e.g. 5m; remove it (or CARDMESH_SIGNATURE_MAX_AGE) to turn the replay window off");
    }
}
