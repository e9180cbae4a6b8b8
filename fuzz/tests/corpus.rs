//! Every committed seed (`fuzz/corpus/<target>/`) passes its target's checks: a regression
//! test of the fuzz targets that needs no fuzzer, run by a plain `cargo test`.

use std::path::Path;

#[test]
fn every_seed_passes_its_targets_checks() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, check) in cardmesh_fuzz::TARGETS {
        let dir = corpus.join(target);
        let mut seeds = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("corpus entry").path();
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{target}: the seed {} breaks an invariant", path.display());
            seeds += 1;
        }
        assert!(seeds > 0, "{target}: no seed in {}", dir.display());
    }
}
