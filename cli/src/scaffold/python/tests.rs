//! Rendering and writing a Python service.

use std::time::Duration;

use super::*;

fn spec(cards: &[&str]) -> ServiceSpec {
    ServiceSpec {
        name: "order-history".into(),
        cards: cards.iter().map(|key| key.to_string()).collect(),
        scope: Scope::Thread,
        ttl: Duration::from_secs(600),
    }
}

#[test]
fn renders_a_python_package_without_leftover_placeholders() {
    let files = render_service(&spec(&["last-order", "2fa"])).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "pyproject.toml",
            ".gitignore",
            "order_history_service/__init__.py",
            "order_history_service/__main__.py",
            "order_history_service/cards.py",
            "tests/test_grpc.py",
            "compose.snippet.yml",
            "kubernetes/deployment.yaml",
            "kubernetes/service.yaml",
            "kubernetes/kustomization.yaml"
        ]
    );
    for file in &files {
        assert!(!file.text.contains("{{"), "{} has a placeholder left:\n{}", file.path, file.text);
    }
    let cards = &files[4].text;
    assert!(cards.contains("class OrderHistoryCards(CardProvider):"), "{cards}");
    assert!(cards.contains("LAST_ORDER = \"last-order\""), "{cards}");
    assert!(cards.contains("CARD_2FA: self.draw_2fa,"), "{cards}");
    assert!(cards.contains("DEFAULT_TTL = timedelta(seconds=600)"), "{cards}");
    assert!(cards.contains("SCOPE = Scope.THREAD"), "{cards}");
    // One example action, changing the first card, with its test through the kit's helper.
    assert!(cards.contains("RESYNC = \"resync\""), "{cards}");
    assert!(cards.contains("changes_cards=[LAST_ORDER])]"), "{cards}");
    assert!(cards.contains("ActionOutcome.refused("), "{cards}");
    assert!(files[5].text.contains("await run_action(service.port, \"resync\", CUSTOMER)"));
    assert!(files[5].text.contains("KEYS = [\"last-order\", \"2fa\"]"));
    assert!(files[6].text.contains("image: cardmesh/order-history-service:local"));
    let file = |path: &str| files.iter().find(|f| f.path == path).map(|f| f.text.as_str()).unwrap_or_default();
    crate::scaffold::tests::assert_kubernetes_manifests(
        files.iter().map(|f| (f.path.as_str(), f.text.as_str())),
        "order-history",
        "order-history-service",
    );
    assert!(file("kubernetes/deployment.yaml").contains("- name: CARDMESH_LOG_LEVEL"));
}

#[test]
fn refuses_an_existing_folder_and_a_root_without_the_kit() {
    let root = std::env::temp_dir().join(format!("cardmesh-cli-python-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("services/order-history")).unwrap();
    let error = create(&root, &spec(&["last-order"])).unwrap_err().to_string();
    assert!(error.contains("kits/python"), "{error}");
    std::fs::create_dir_all(root.join("kits/python")).unwrap();
    std::fs::write(root.join("kits/python/pyproject.toml"), "").unwrap();
    let error = create(&root, &spec(&["last-order"])).unwrap_err().to_string();
    assert!(error.contains("already exists"), "{error}");
    std::fs::remove_dir_all(root.join("services/order-history")).unwrap();
    let created = create(&root, &spec(&["last-order"])).unwrap();
    assert!(created.dir.join("order_history_service/cards.py").is_file());
    let steps = next_steps(&spec(&["last-order"]), &created, "  order-history:\n");
    assert!(
        steps.contains("cd services/order-history && \"$(../../kits/python/venv.sh)/bin/python\" -m pytest"),
        "{steps}"
    );
    assert!(steps.contains("cargo xtask run-service order-history"), "{steps}");
    assert!(created.dir.join("kubernetes/deployment.yaml").is_file());
    assert!(steps.contains("     - ../../../services/order-history/kubernetes\n"), "{steps}");
    std::fs::remove_dir_all(&root).unwrap();
}
