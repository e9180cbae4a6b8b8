//! The shared fixtures `rules/fixtures/{valid,invalid}/*.json`: the validator finds exactly
//! the listed violations and warnings (paths and rule codes, compared as multisets), valid
//! fixtures have no violation, invalid ones at least one.

use std::path::{Path, PathBuf};

use cardmesh_rules::{check_components, Violation};
use serde_json::Value;

fn fixture_files(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// `(path, rule)` pairs of a fixture's `violations` or `warnings`, sorted.
fn expected(fixture: &Value, list: &str, file: &Path) -> Vec<(String, String)> {
    let entries = fixture[list].as_array().unwrap_or_else(|| panic!("{}: `{list}` must be an array", file.display()));
    let mut pairs: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            let path = e["path"].as_str().expect("path is a string");
            let rule = e["rule"].as_str().expect("rule is a string");
            (path.to_owned(), rule.to_owned())
        })
        .collect();
    pairs.sort();
    pairs
}

fn found(findings: &[Violation]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        findings.iter().map(|v| (v.path.clone(), v.rule.code().to_owned())).collect();
    pairs.sort();
    pairs
}

fn run(kind: &str) -> usize {
    let files = fixture_files(kind);
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read fixture");
        let fixture: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", file.display()));
        assert!(fixture["name"].is_string(), "{}: needs a name", file.display());
        let report = check_components(&fixture["components"], "components");
        let name = file.display();
        assert_eq!(
            found(&report.violations),
            expected(&fixture, "violations", file),
            "{name}: violations {:#?}",
            report.violations
        );
        assert_eq!(
            found(&report.warnings),
            expected(&fixture, "warnings", file),
            "{name}: warnings {:#?}",
            report.warnings
        );
        match kind {
            "valid" => assert!(report.violations.is_empty(), "{name}"),
            _ => assert!(!report.violations.is_empty(), "{name}: an invalid fixture needs a violation"),
        }
    }
    files.len()
}

#[test]
fn valid_fixtures_have_no_violations() {
    assert!(run("valid") >= 5);
}

#[test]
fn invalid_fixtures_report_exactly_their_paths_and_rules() {
    assert!(run("invalid") >= 10);
}
