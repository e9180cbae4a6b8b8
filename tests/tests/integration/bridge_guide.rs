//! docs/src/guides/existing-card-api.md, step 1: `cardmesh-gateway validate --url` checks an existing
//! endpoint (here the project's example endpoint, requiring signed requests, on a real
//! socket) before the bridge goes in front of it.

use cardmesh_gateway::cli::{probe, Format, ValidateArgs};
use http_bridge::example::{ExampleEndpoint, Fixture, EMBEDDED_FIXTURE};
use tokio::net::TcpListener;

const SECRET: &str = "guide-endpoint-secret";

fn args(keys: &[&str]) -> ValidateArgs {
    ValidateArgs {
        file: None,
        keys: keys.iter().map(|k| k.to_string()).collect(),
        strict: false,
        format: Format::Text,
        url: None,
        secret: None,
        customer_id: "c_guide".into(),
        email: None,
        external_id: Some("cus_demo_1".into()),
        workspace_id: "w_guide".into(),
    }
}

#[tokio::test]
async fn validate_url_accepts_the_example_endpoint_and_warns_about_its_deprecated_names() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let fixture = Fixture::parse(EMBEDDED_FIXTURE).expect("fixture");
    let router = ExampleEndpoint::new(fixture, Some(SECRET.into())).router();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let keys = ["legacy-orders", "legacy-support-plan"];
    let judged = probe(&url, Some(SECRET), &args(&keys)).await.expect("probe");
    assert_eq!(judged.status, Some(200));
    assert!(judged.report.violations.is_empty(), "{:?}", judged.report.violations);
    let deprecated: Vec<&str> =
        judged.report.warnings.iter().filter(|w| w.rule.code() == "deprecated").map(|w| w.path.as_str()).collect();
    assert!(
        deprecated.iter().any(|p| p.ends_with("componentText.size")),
        "the fixture's deprecated names are reported: {deprecated:?}"
    );
    assert_eq!(judged.exit_code(false), 0);
    assert_eq!(judged.exit_code(true), 1, "--strict fails on the deprecated names");

    let unsigned = probe(&url, None, &args(&keys)).await.expect("probe");
    assert_eq!(unsigned.status, Some(401), "the endpoint refuses an unsigned request");
    assert_eq!(unsigned.exit_code(false), 1);
    server.abort();
}
