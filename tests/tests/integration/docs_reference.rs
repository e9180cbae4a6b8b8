//! The book's reference pages are generated from the code (`cardmesh_tests::reference`);
//! this fails when a committed page is not what the code generates now, so a new setting,
//! error code, component rule, metric or flag cannot go undocumented.

use std::path::Path;

use cardmesh_tests::reference::{pages, UPDATE_COMMAND};

#[test]
fn the_generated_reference_pages_match_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent");
    let mut behind = Vec::new();
    for page in pages() {
        let committed = std::fs::read_to_string(root.join(page.path)).unwrap_or_default();
        if committed != page.text {
            let line = committed.lines().zip(page.text.lines()).position(|(a, b)| a != b);
            behind.push(format!("{} (first difference at line {})", page.path, line.map_or(0, |l| l + 1)));
        }
    }
    assert!(
        behind.is_empty(),
        "these reference pages differ from what the code generates: {behind:?}; run `{UPDATE_COMMAND}` to update them"
    );
}

#[test]
fn every_generated_page_is_in_the_books_table_of_contents() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent");
    let summary = std::fs::read_to_string(root.join("docs/src/SUMMARY.md")).expect("docs/src/SUMMARY.md");
    for page in pages() {
        let relative = page.path.strip_prefix("docs/src/").expect("a page of the book");
        assert!(summary.contains(&format!("]({relative})")), "SUMMARY.md does not list {relative}");
    }
}
