//! The Plain GraphQL client (card reloads) against a GraphQL server on a real socket.

use std::time::Duration;

use cardmesh_gateway::config::{PlainApiSettings, Secret};
use cardmesh_gateway::plain_client::{CallError, PlainClient, ReloadOutcome, ReloadReport};
use cardmesh_tests::plain_graphql::*;
use cardmesh_tests::wait_until;
use futures::future::join_all;
use serde_json::json;

/// The mutation, exactly as sent: field names from Plain's schema (`@team-plain/graphql`).
const EXPECTED_MUTATION: &str = "mutation ReloadCustomerCardInstance($input: ReloadCustomerCardInstanceInput!) {
  reloadCustomerCardInstance(input: $input) {
    customerCardInstance {
      __typename
    }
    error {
      message
      type
      code
      fields {
        field
        message
        type
      }
    }
  }
}";

const EXPECTED_QUERY: &str = "query CustomerCardConfigs {
  customerCardConfigs {
    id
    key
    isEnabled
  }
}";

const CONFIGS: &[(&str, &str)] = &[("usage", "ccc_usage"), ("subscription-status", "ccc_sub")];

fn settings(server: &PlainGraphQl, timeout: Duration, max_concurrency: usize) -> PlainApiSettings {
    PlainApiSettings {
        api_key: Some(Secret::new(PLAIN_API_KEY)),
        api_url: server.url(),
        timeout,
        max_concurrency,
        ..Default::default()
    }
}

/// Reloads `keys`; the keys are copied at once, so the future borrows only `api`.
fn reload<'a>(
    api: &'a PlainClient,
    customer: &'a str,
    keys: &[&str],
    thread: Option<&'a str>,
) -> impl std::future::Future<Output = Vec<ReloadReport>> + 'a {
    let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    async move { api.reload_invalidated(customer, Some(&keys), thread).await }
}

#[tokio::test]
async fn reloads_send_plains_operation_with_the_bearer_key() {
    let server = PlainGraphQl::start(CONFIGS).await;
    let api = PlainClient::new(&settings(&server, Duration::from_secs(2), 4)).expect("on with a key");

    let reports = reload(&api, "c_1", &["usage"], Some("th_1")).await;
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].outcome, ReloadOutcome::Reloaded { config_id: "ccc_usage".into() });
    assert_eq!(
        reports[0].to_json(),
        json!({ "cardKey": "usage", "threadId": "th_1", "outcome": "reloaded", "coalesced": false, "customerCardConfigId": "ccc_usage" })
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    // First the card configs, to map the key to its config id.
    assert_eq!(requests[0].operation(), "CustomerCardConfigs");
    assert_eq!(requests[0].query(), EXPECTED_QUERY);
    // Then the mutation, with Plain's input field names.
    let mutation = &requests[1];
    assert_eq!(mutation.query(), EXPECTED_MUTATION);
    assert_eq!(
        mutation.variables(),
        &json!({ "input": { "customerId": "c_1", "customerCardConfigId": "ccc_usage", "threadId": "th_1" } })
    );
    for request in &requests {
        assert_eq!(request.authorization.as_deref(), Some(&*format!("Bearer {PLAIN_API_KEY}")));
        assert_eq!(request.content_type.as_deref(), Some("application/json"));
    }

    // Without a thread, no threadId; the mapping is cached: no second query.
    let reports = reload(&api, "c_2", &["subscription-status"], None).await;
    assert_eq!(reports[0].outcome, ReloadOutcome::Reloaded { config_id: "ccc_sub".into() });
    let last = server.reloads().pop().unwrap();
    assert_eq!(last.variables(), &json!({ "input": { "customerId": "c_2", "customerCardConfigId": "ccc_sub" } }));
    assert_eq!(server.config_queries(), 1);

    // "All of the customer's cards": every enabled card config.
    let reports = api.reload_invalidated("c_3", None, None).await;
    let keys: Vec<_> = reports.iter().map(|r| r.card_key.clone().unwrap()).collect();
    assert_eq!(keys, ["subscription-status", "usage"]);
    assert!(reports.iter().all(|r| r.outcome.code() == "reloaded"), "{reports:?}");
}

#[tokio::test]
async fn plains_errors_are_reported_counted_and_never_fail() {
    let server = PlainGraphQl::start(CONFIGS).await;
    let timeout = Duration::from_millis(400);
    let api = PlainClient::new(&settings(&server, timeout, 4)).unwrap();

    let refused = reload(&api, MUTATION_ERROR_CUSTOMER, &["usage"], None).await.remove(0);
    let ReloadOutcome::Refused { config_id, error } = &refused.outcome else { panic!("{refused:?}") };
    assert_eq!(
        (config_id.as_str(), error.code.as_str(), error.kind.as_str()),
        ("ccc_usage", "input_validation", "VALIDATION")
    );
    assert_eq!(error.fields[0].field, "customerId");
    let report = refused.to_json();
    assert_eq!(report["outcome"], "mutation_error");
    assert_eq!(report["error"]["code"], "input_validation");
    assert_eq!(report["error"]["fields"][0]["type"], "NOT_FOUND");

    let failed = reload(&api, HTTP_500_CUSTOMER, &["usage"], None).await.remove(0);
    assert!(
        matches!(&failed.outcome, ReloadOutcome::Failed(CallError::Http { status: 500, message }) if message == "Internal server error"),
        "{failed:?}"
    );
    assert_eq!(failed.to_json()["error"]["status"], 500);

    // The server never answers this customer: only the client's timeout ends the call.
    let timed_out = reload(&api, TIMEOUT_CUSTOMER, &["usage"], None).await.remove(0);
    assert_eq!(timed_out.outcome, ReloadOutcome::Failed(CallError::Timeout(timeout)));

    let unknown = reload(&api, "c_1", &["not-in-plain"], None).await.remove(0);
    assert_eq!(unknown.outcome, ReloadOutcome::UnknownCard);

    let metrics = api.render_metrics();
    for line in [
        "cardmesh_plain_reloads_total{outcome=\"mutation_error\"} 1",
        "cardmesh_plain_reloads_total{outcome=\"http_error\"} 1",
        "cardmesh_plain_reloads_total{outcome=\"timeout\"} 1",
        "cardmesh_plain_reloads_total{outcome=\"unknown_card\"} 1",
        "cardmesh_plain_reloads_total{outcome=\"reloaded\"} 0",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} missing from:\n{metrics}");
    }

    // A wrong key is an HTTP error like any other (and the key is not in the report).
    let mut wrong = settings(&server, timeout, 4);
    wrong.api_key = Some(Secret::new("plainApiKey_wrong"));
    let report = reload(&PlainClient::new(&wrong).unwrap(), "c_1", &["usage"], None).await.remove(0);
    assert_eq!(report.outcome.code(), "http_error");
    assert!(!report.to_json().to_string().contains("plainApiKey"), "{}", report.to_json());
}

#[tokio::test]
async fn an_unknown_key_refreshes_the_card_configs_at_once() {
    let server = PlainGraphQl::start(CONFIGS).await;
    let api = PlainClient::new(&settings(&server, Duration::from_secs(2), 4)).unwrap();
    assert_eq!(reload(&api, "c_1", &["usage"], None).await[0].outcome.code(), "reloaded");
    assert_eq!(server.config_queries(), 1);

    // A card added in Plain since: the mapping is fetched again rather than waiting 5 min.
    server.set_configs(&[("usage", "ccc_usage"), ("invoices", "ccc_inv")]);
    let report = reload(&api, "c_1", &["invoices"], None).await.remove(0);
    assert_eq!(report.outcome, ReloadOutcome::Reloaded { config_id: "ccc_inv".into() });
    assert_eq!(server.config_queries(), 2);
}

#[tokio::test]
async fn a_storm_of_invalidations_is_coalesced_per_customer_and_card() {
    let server = PlainGraphQl::start(CONFIGS).await;
    let api = PlainClient::new(&settings(&server, Duration::from_secs(5), 1)).unwrap();
    // Warm the mapping, then occupy the only permit with a reload Plain holds.
    reload(&api, "c_warm", &["usage"], None).await;
    server.hold();
    let blocker = reload(&api, "c_blocker", &["usage"], None);
    let storm = join_all(
        (0..5)
            .map(|_| ("c_1", "usage"))
            .chain([("c_1", "subscription-status"), ("c_2", "usage")])
            .map(|(customer, key)| reload(&api, customer, &[key], None)),
    );
    let release = async {
        // The warm-up's reload and the one holding the permit.
        wait_until("a held reload reaches Plain", Duration::from_secs(5), || async { server.reloads().len() == 2 })
            .await;
        server.release();
    };
    let (blocked, storm, ()) = tokio::join!(blocker, storm, release);
    assert_eq!(blocked[0].outcome.code(), "reloaded");

    let storm: Vec<ReloadReport> = storm.into_iter().flatten().collect();
    assert!(storm.iter().all(|r| r.outcome.code() == "reloaded"), "{storm:?}");
    let joined: Vec<bool> = storm[..5].iter().map(|r| r.coalesced).collect();
    assert_eq!(joined, [false, true, true, true, true]);
    assert!(!storm[5].coalesced && !storm[6].coalesced);

    let sent = |customer: &str, config: &str| {
        server
            .reloads()
            .iter()
            .filter(|r| {
                r.variables()["input"]["customerId"] == customer
                    && r.variables()["input"]["customerCardConfigId"] == config
            })
            .count()
    };
    assert_eq!(sent("c_1", "ccc_usage"), 1, "five invalidations, one reload");
    assert_eq!(sent("c_1", "ccc_sub"), 1);
    assert_eq!(sent("c_2", "ccc_usage"), 1);

    // Once that reload is done, a new invalidation reloads again.
    assert!(!reload(&api, "c_1", &["usage"], None).await[0].coalesced);
    assert_eq!(sent("c_1", "ccc_usage"), 2);
}

#[tokio::test]
async fn a_customer_is_found_by_external_id() {
    let server = PlainGraphQl::start(CONFIGS).await;
    server.add_customer("cus_demo_1", "c_01PLAIN");
    let api = PlainClient::new(&settings(&server, Duration::from_secs(2), 4)).unwrap();
    assert_eq!(api.customer_id_for_external("cus_demo_1").await, Ok(Some("c_01PLAIN".into())));
    assert_eq!(api.customer_id_for_external("cus_nobody").await, Ok(None));
    let lookup = &server.requests()[0];
    assert_eq!(lookup.operation(), "CustomerByExternalId");
    assert_eq!(
        lookup.query(),
        "query CustomerByExternalId($externalId: ID!) {\n  customerByExternalId(externalId: $externalId) {\n    id\n  }\n}"
    );
    assert_eq!(lookup.variables(), &json!({ "externalId": "cus_demo_1" }));
}
