//! Tests of the TypeScript scaffold's rendering and next steps.

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
fn renders_every_file_with_names_cards_ttl_and_scope() {
    let files = render_service(&spec(&["last-order", "default-ttl-seconds"])).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path).collect();
    assert_eq!(
        paths,
        [
            "package.json",
            "tsconfig.json",
            ".gitignore",
            "src/cards.ts",
            "src/main.ts",
            "test/grpc.test.ts",
            "compose.snippet.yml",
            "kubernetes/deployment.yaml",
            "kubernetes/service.yaml",
            "kubernetes/kustomization.yaml"
        ]
    );
    let file = |path: &str| files.iter().find(|f| f.path == path).map(|f| f.text.as_str()).unwrap_or_default();
    for f in &files {
        assert!(!f.text.contains("{{"), "{} still holds a placeholder:\n{}", f.path, f.text);
    }
    assert!(file("package.json").contains("\"name\": \"order-history-service\""));
    assert!(file("package.json").contains("\"@cardmesh/kit\": \"file:../../kits/typescript\""));
    let cards = file("src/cards.ts");
    assert!(cards.contains("export const LAST_ORDER = \"last-order\";"), "{cards}");
    assert!(cards.contains("export const DEFAULT_TTL_SECONDS_CARD = \"default-ttl-seconds\";"), "{cards}");
    assert!(cards.contains("export const DEFAULT_TTL_SECONDS = 600;"), "{cards}");
    assert!(cards.contains("export const SCOPE: Scope = \"thread\";"), "{cards}");
    assert!(cards.contains("export const orderHistoryCards: CardProvider = {"), "{cards}");
    assert!(
        cards.contains(
            "{ key: LAST_ORDER, title: \"Last order\", defaultTtlSeconds: DEFAULT_TTL_SECONDS, scope: SCOPE },"
        ),
        "{cards}"
    );
    assert!(cards.contains("      case LAST_ORDER:\n        return drawLastOrder(customer);"), "{cards}");
    assert!(cards.contains("export async function drawLastOrder(customer: string)"), "{cards}");
    assert!(file("src/main.ts").contains("await serve(orderHistoryCards);"));
    // One example action, changing the first card, with its test through the kit's helper.
    assert!(cards.contains("export const RESYNC = \"resync\";"), "{cards}");
    assert!(cards.contains("changesCards: [LAST_ORDER] }],"), "{cards}");
    assert!(cards.contains("Action.refused(\"this customer has no id in our system\")"), "{cards}");
    assert!(file("test/grpc.test.ts").contains("await runAction(client, { action: \"resync\""));
    assert!(file("test/grpc.test.ts").contains("const KEYS = [\"last-order\", \"default-ttl-seconds\"];"));
    let snippet = file("compose.snippet.yml");
    assert!(snippet.contains("\n  order-history:\n    image: cardmesh/order-history-service:local\n"), "{snippet}");
    crate::scaffold::tests::assert_kubernetes_manifests(
        files.iter().map(|f| (f.path, f.text.as_str())),
        "order-history",
        "order-history-service",
    );
    assert!(file("kubernetes/deployment.yaml").contains("- name: CARDMESH_LOG_LEVEL"));
}

#[test]
fn next_steps_name_the_exact_commands() {
    let spec = spec(&["last-order"]);
    let created = Created { dir: PathBuf::from("/ws/services/order-history"), files: vec!["package.json"] };
    let text = next_steps(&spec, &created, "# comment\n  order-history:\n");
    assert!(text.contains("(cd services/order-history && npm install && npm test)"), "{text}");
    assert!(text.contains("CARDMESH_SERVICE_LISTEN=127.0.0.1:50060 npm start"), "{text}");
    assert!(text.contains("scripts/build-node-images.sh order-history"), "{text}");
    assert!(text.contains("http://order-history:50051"), "{text}");
    assert!(!text.contains("# comment"), "{text}");
    assert!(text.contains("     - ../../../services/order-history/kubernetes\n"), "{text}");
    assert!(text.contains("newName: registry.example.com/cardmesh/order-history-service"), "{text}");
}
