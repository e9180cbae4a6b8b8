//! The end-to-end suite refuses images built from other sources than the checkout's, and
//! says which script rebuilds them (see `cardmesh_tests::containers::check_fresh`).

use cardmesh_tests::containers::source_hash;
#[cfg(feature = "docker")]
use cardmesh_tests::containers::{check_fresh, tag, BUILD_IMAGES, GATEWAY_IMAGE, SOURCE_HASH_LABEL};

#[test]
fn the_source_hash_is_stable_and_covers_the_gateway_sources() {
    let hash = source_hash();
    assert_eq!(hash, source_hash(), "the same checkout hashes the same");
    let files = xtask::source_hash::files(&xtask::repo_root()).expect("the hashed files").join("\n");
    for covered in [
        "Cargo.lock",
        "gateway/src/main.rs",
        "kits/rust/src/lib.rs",
        "rules/src/lib.rs",
        "docker/Dockerfile",
        "kits/typescript/src/serve.ts",
        "kits/python/src/cardmesh_kit/serve.py",
        "services/orders/src/main.ts",
        "docker/python.Dockerfile",
    ] {
        assert!(files.lines().any(|f| f == covered), "{covered} is hashed:\n{files}");
    }
    assert!(
        !files.lines().any(|f| f.starts_with("tests/")
            || f.ends_with(".md")
            || f.contains("/test/")
            || f.contains("node_modules/")),
        "tests and docs are not image sources:\n{files}"
    );
}

#[cfg(feature = "docker")]
#[tokio::test]
async fn an_image_without_the_label_or_with_another_hash_is_refused_naming_the_rebuild_script() {
    let docker = cardmesh_tests::require::docker().await;
    let gateway = format!("{GATEWAY_IMAGE}:{}", tag());
    cardmesh_tests::require::present(&docker, &[gateway.clone(), "debian:bookworm-slim".into()]).await;
    // A base image: it carries no source label at all.
    let err = check_fresh(&docker, "debian:bookworm-slim", &source_hash()).await.expect_err("no label");
    assert!(err.contains(SOURCE_HASH_LABEL) && err.contains(BUILD_IMAGES), "{err}");

    // The gateway image, against the hash of other sources.
    let other = "0".repeat(64);
    let err = check_fresh(&docker, &gateway, &other).await.expect_err("another checkout");
    assert!(err.contains("is stale") && err.contains(BUILD_IMAGES) && err.contains(&gateway), "{err}");

    // And against this checkout: scripts/build-images.sh labelled it with this hash.
    check_fresh(&docker, &gateway, &source_hash()).await.unwrap_or_else(|e| panic!("{e}"));
}
