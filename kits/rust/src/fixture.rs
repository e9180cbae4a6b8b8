//! Services whose data comes from a JSON fixture: the embedded file, or the one named by
//! `CARDMESH_FIXTURES` ([`fixture_from_env`]), loaded into a [`CustomerIndex`] of checked
//! records ([`load_fixture`]).

use anyhow::Context;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::CustomerIndex;

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

/// One customer's record in a fixture file, `{"customers": [record, …]}`: found by the
/// customer's `externalId` or email, and checked when the file is loaded.
pub trait FixtureRecord: DeserializeOwned + Clone {
    /// The customer's `externalId` in Plain, when the record is found by it.
    fn external_id(&self) -> Option<&str>;
    /// The customer's email, when the record is found by it.
    fn email(&self) -> Option<&str>;
    /// Checks the record, for example that the cards it draws pass Plain's rules (see
    /// [`crate::build::problems`]); the error names the field and what is wrong with it
    /// (default: no check).
    fn check(&self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Loads `{"customers": [record, …]}` (no other field) into an index by external id and
/// email, checking every record. `service` names the file in errors, which also name the
/// record (`billing fixture: customers[2]: …`): malformed JSON, unknown fields, a failed
/// check, or a customer listed twice.
pub fn load_fixture<R: FixtureRecord>(service: &str, json: &str) -> anyhow::Result<CustomerIndex<R>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, bound = "R: DeserializeOwned")]
    struct FixtureFile<R> {
        customers: Vec<R>,
    }
    let file: FixtureFile<R> =
        serde_json::from_str(json).with_context(|| format!("{service} fixture does not match the expected shape"))?;
    let mut index = CustomerIndex::new();
    for (i, record) in file.customers.into_iter().enumerate() {
        record.check().with_context(|| format!("{service} fixture: customers[{i}]"))?;
        index
            .insert(record.external_id(), record.email(), record.clone())
            .with_context(|| format!("{service} fixture: customers[{i}]"))?;
    }
    Ok(index)
}

/// Fails with "`field` must not be empty" when `value` is empty or only spaces.
pub fn ensure_filled(field: &str, value: &str) -> anyhow::Result<()> {
    anyhow::ensure!(!value.trim().is_empty(), "{field} must not be empty");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Record {
        external_id: Option<String>,
        name: String,
    }

    impl FixtureRecord for Record {
        fn external_id(&self) -> Option<&str> {
            self.external_id.as_deref()
        }
        fn email(&self) -> Option<&str> {
            None
        }
        fn check(&self) -> anyhow::Result<()> {
            ensure_filled("name", &self.name)
        }
    }

    #[test]
    fn loads_checks_and_names_the_bad_record() {
        let index: CustomerIndex<Record> =
            load_fixture("demo", r#"{"customers":[{"externalId":"a","name":"Ada"}]}"#).expect("loads");
        assert_eq!(index.len(), 1);
        let err = load_fixture::<Record>(
            "demo",
            r#"{"customers":[{"externalId":"a","name":"Ada"},{"externalId":"b","name":" "}]}"#,
        )
        .unwrap_err();
        assert_eq!(format!("{err:#}"), "demo fixture: customers[1]: name must not be empty");
        let err = load_fixture::<Record>("demo", r#"{"customers":[],"extra":1}"#).unwrap_err();
        assert!(format!("{err:#}").starts_with("demo fixture does not match the expected shape"), "{err:#}");
        assert!(load_fixture::<Record>(
            "demo",
            r#"{"customers":[{"externalId":"a","name":"A"},{"externalId":"a","name":"B"}]}"#
        )
        .is_err());
    }
}
