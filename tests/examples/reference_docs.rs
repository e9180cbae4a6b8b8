//! Writes the book's generated reference pages (`docs/src/reference/`) from the code:
//! `cargo run -p cardmesh-tests --example reference_docs`. The drift test
//! (`tests/tests/integration/docs_reference.rs`) names this command when a page is behind.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent");
    for page in cardmesh_tests::reference::pages() {
        let path = root.join(page.path);
        let unchanged = std::fs::read_to_string(&path).is_ok_and(|old| old == page.text);
        if !unchanged {
            std::fs::write(&path, &page.text)?;
        }
        println!("{} {}", if unchanged { "unchanged" } else { "written  " }, page.path);
    }
    Ok(())
}
