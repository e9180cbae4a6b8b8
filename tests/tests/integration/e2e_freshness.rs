//! End to end, in containers wired as docker-compose.yml wires them: billing's fixture
//! changes for `cus_demo_1`, billing reports the change to the gateway's admin listener, the
//! gateway drops its cached card and asks Plain (a GraphQL server in this test, on the host)
//! to reload it, and the next answer has the new data.

use std::time::Duration;

use cardmesh_tests::containers::{plain_body, BillingWatch, GatewayEnv, Stack};
use cardmesh_tests::plain_graphql::{PlainGraphQl, PLAIN_API_KEY};
use cardmesh_tests::wait_until;

/// The card services' token (billing reports its changes with it).
const SERVICE_TOKEN: &str = "e2e-service-token-0123456789abcdef";
const CONFIGS: &[(&str, &str)] = &[("subscription-status", "ccc_sub"), ("latest-invoice", "ccc_inv")];
const FIXTURE: &str = include_str!("../../../services/billing/fixtures/billing.json");

#[tokio::test]
async fn a_fixture_change_in_billing_reaches_the_next_answer_and_plain_reloads_the_card() {
    let plain = PlainGraphQl::start_for_containers(CONFIGS).await;
    plain.add_customer("cus_demo_1", "c_demo");
    let dir = std::env::temp_dir().join(format!("cardmesh-e2e-billing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("billing.json"), FIXTURE).unwrap();

    let env = GatewayEnv::for_tests()
        .set("CARDMESH_ADMIN_LISTEN", "0.0.0.0:9090")
        .set("CARDMESH_SERVICE_TOKEN", SERVICE_TOKEN)
        .set("CARDMESH_PLAIN_API_KEY", PLAIN_API_KEY)
        .set("CARDMESH_PLAIN_API_URL", &plain.url_for_containers())
        // The stand-in for Plain is plain HTTP on the host, outside the gateway's container.
        .set("CARDMESH_PLAIN_API_ALLOW_HTTP", "true");
    let watch = BillingWatch { dir: dir.clone(), service_token: SERVICE_TOKEN.into() };
    let stack = Stack::start_with(env, Some(watch)).await;

    stack
        .run(async {
            let body =
                plain_body(&["subscription-status", "latest-invoice"], "c_demo", "cus_demo_1", "ada@example.com");
            let before = stack.post_signed(&body).await;
            assert_eq!(before.status, 200, "{}", before.json);
            assert!(before.card("subscription-status").to_string().contains("Pro (annual)"), "{}", before.json);
            // Cached for the card's TTL (300 s): only an invalidation can bring the new plan.
            stack
                .post_until("billing's cards are cached", &body, Duration::from_secs(5), |a| a.cache_count("hits") == 2)
                .await;

            std::fs::write(dir.join("billing.json"), FIXTURE.replacen("Pro (annual)", "Enterprise (annual)", 1))
                .unwrap();
            let after = stack
                .post_until("the new plan is answered", &body, Duration::from_secs(20), |a| {
                    a.status == 200 && a.card("subscription-status").to_string().contains("Enterprise (annual)")
                })
                .await;
            let invoice = &after.card("latest-invoice")["components"];
            assert_eq!(invoice, &before.card("latest-invoice")["components"], "the invoice did not change");

            wait_until("Plain was asked to reload the subscription card", Duration::from_secs(10), || async {
                !plain.reloads().is_empty()
            })
            .await;
            let reloads: Vec<_> = plain.reloads().iter().map(|r| r.variables().clone()).collect();
            assert_eq!(
                reloads,
                [serde_json::json!({ "input": { "customerId": "c_demo", "customerCardConfigId": "ccc_sub" } })],
                "one reload, of the card whose data changed, for the Plain customer of cus_demo_1"
            );
            assert!(plain.reloads()[0].authorization.as_deref() == Some(&*format!("Bearer {PLAIN_API_KEY}")));
        })
        .await;
    std::fs::remove_dir_all(&dir).ok();
}
