//! End to end, with the project's own images (`scripts/build-images.sh`), wired as
//! `docker-compose.yml` wires them: an existing Plain-protocol card endpoint
//! (`http-bridge-example-endpoint`, requiring signed requests), the `http-bridge` card
//! service in front of it, Redis and the gateway, each in its own container on one network.
//!
//! The endpoint's cards reach Plain through the gateway validated (deprecated aliases under
//! their current names) and cached; stopping the endpoint gives stale copies.

use std::time::Duration;

use cardmesh_tests::containers::{
    plain_body, probe, redis_container, tag, unique_prefix, Node, E2E_SECRET, GATEWAY_IMAGE, GATEWAY_PORT, REDIS_IMAGE,
    SERVICE_PORT,
};
use cardmesh_tests::{is_fallback, require, Answer, Wait};
use serde_json::json;
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::{GenericImage, ImageExt};

const ENDPOINT_IMAGE: &str = "cardmesh/http-bridge-example-endpoint";
const BRIDGE_IMAGE: &str = "cardmesh/http-bridge";
const ENDPOINT_PORT: u16 = 8080;
const BRIDGE_SECRET: &str = "e2e-bridge-secret";
const KEYS: [&str; 2] = ["legacy-orders", "legacy-support-plan"];

fn container(image: &str, port: u16, network: &str, name: &str) -> testcontainers::ContainerRequest<GenericImage> {
    GenericImage::new(image, tag().as_str())
        .with_exposed_port(port.tcp())
        .with_wait_for(WaitFor::healthcheck())
        .with_env_var("RUST_LOG", "info")
        .with_network(network)
        .with_container_name(name)
        .with_startup_timeout(Duration::from_secs(60))
}

async fn post(client: &reqwest::Client, gateway: &Node, body: &str) -> Answer {
    let url = format!("http://127.0.0.1:{}/", gateway.host_port(GATEWAY_PORT).await);
    let resp = client
        .post(&url)
        .header("content-type", "application/json")
        .header("plain-workspace-id", "w_e2e")
        .header("plain-request-signature", cardmesh_gateway::verify::sign(E2E_SECRET, body.as_bytes()))
        .body(body.to_owned())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    Answer::from(resp).await
}

#[tokio::test]
async fn an_existing_endpoints_cards_reach_plain_through_the_bridge_and_stay_when_it_stops() {
    let redis_image = format!("{}:{}", REDIS_IMAGE.0, REDIS_IMAGE.1);
    require::images(&[ENDPOINT_IMAGE, BRIDGE_IMAGE, GATEWAY_IMAGE], &[&redis_image]).await;
    let prefix = unique_prefix();
    let network = format!("{prefix}-net");
    let name = |role: &str| format!("{prefix}-{role}");

    let redis = Node::run(name("redis"), redis_container(&network, &name("redis")));
    let endpoint = Node::run(
        name("card-endpoint"),
        container(ENDPOINT_IMAGE, ENDPOINT_PORT, &network, &name("card-endpoint"))
            .with_health_check(probe(&["http", &format!("http://127.0.0.1:{ENDPOINT_PORT}/healthz")]))
            .with_env_var("CARDMESH_EXAMPLE_ENDPOINT_LISTEN", format!("0.0.0.0:{ENDPOINT_PORT}"))
            .with_env_var("CARDMESH_EXAMPLE_ENDPOINT_SECRET", BRIDGE_SECRET),
    );
    let bridge = Node::run(
        name("http-bridge"),
        container(BRIDGE_IMAGE, SERVICE_PORT, &network, &name("http-bridge"))
            .with_health_check(probe(&["grpc", &format!("127.0.0.1:{SERVICE_PORT}")]))
            .with_env_var("CARDMESH_SERVICE_LISTEN", format!("0.0.0.0:{SERVICE_PORT}"))
            .with_env_var("CARDMESH_BRIDGE_URL", format!("http://{}:{ENDPOINT_PORT}/", name("card-endpoint")))
            .with_env_var("CARDMESH_BRIDGE_KEYS", KEYS.join(","))
            .with_env_var("CARDMESH_BRIDGE_SECRET", BRIDGE_SECRET),
    );
    let (redis, endpoint, bridge) = futures::join!(redis, endpoint, bridge);
    let gateway = Node::run(
        name("gateway"),
        container(GATEWAY_IMAGE, GATEWAY_PORT, &network, &name("gateway"))
            .with_health_check(probe(&["http", &format!("http://127.0.0.1:{GATEWAY_PORT}/healthz")]))
            .with_env_var("CARDMESH_LISTEN", format!("0.0.0.0:{GATEWAY_PORT}"))
            .with_env_var("CARDMESH_SERVICES", format!("http://{}:{SERVICE_PORT}", name("http-bridge")))
            .with_env_var("CARDMESH_REDIS_URL", format!("redis://{}:6379/0", name("redis")))
            .with_env_var("CARDMESH_SIGNING_SECRETS", E2E_SECRET)
            .with_env_var("CARDMESH_CACHE_MAX_TTL", "3s"),
    )
    .await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let body = plain_body(&KEYS, "c_e2e_bridge", "cus_demo_1", "ada@example.com");

    let scenario = async {
        // Fresh cards once the gateway has described the bridge.
        let fresh = post_until(&client, &gateway, &body, "fresh cards from the endpoint", |a| {
            a.status == 200 && KEYS.iter().all(|k| !is_fallback(a.card(k)))
        })
        .await;
        let orders = &fresh.card("legacy-orders")["components"][0]["componentContainer"]["containerContent"];
        assert_eq!(
            orders[0]["componentRow"]["rowMainContent"][0],
            json!({ "componentText": { "text": "Open orders", "textSize": "M" } }),
            "a deprecated alias reaches Plain under its current name"
        );
        assert_eq!(orders[1], json!({ "componentDivider": { "dividerSpacingSize": "M" } }));
        assert_eq!(
            fresh.card("legacy-support-plan")["components"][0],
            json!({ "componentText": { "text": "**Priority support**", "textColor": "SUCCESS" } })
        );

        // The endpoint stops: once the fresh copies expire, the stale ones are served.
        endpoint.stop().await;
        let stale = post_until(&client, &gateway, &body, "stale copies", |a| {
            a.status == 200 && a.cache_count("stale") == KEYS.len()
        })
        .await;
        for key in KEYS {
            assert_eq!(stale.card(key)["components"], fresh.card(key)["components"], "{key}");
        }
        let logs = bridge.logs().await;
        assert!(logs.contains("endpoint request failed"), "{logs}");
        assert!(!logs.contains("ada@example.com") && !logs.contains(BRIDGE_SECRET), "{logs}");
    };
    if let Err(panic) = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(scenario)).await {
        for node in [&gateway, &bridge, &endpoint, &redis] {
            eprintln!("----- {} -----\n{}", node.name, node.logs().await);
        }
        std::panic::resume_unwind(panic);
    }
}

async fn post_until(
    client: &reqwest::Client,
    gateway: &Node,
    body: &str,
    what: &str,
    done: impl Fn(&Answer) -> bool,
) -> Answer {
    Wait::new(what, Duration::from_secs(30))
        .every(Duration::from_millis(100))
        .until(|| async {
            let answer = post(client, gateway, body).await;
            if done(&answer) {
                Ok(answer)
            } else {
                Err(format!("{} {}", answer.status, answer.json))
            }
        })
        .await
}
