//! The `http-bridge` binary as a process: it refuses a bad configuration naming the field,
//! and with a good one it serves `Describe` over real gRPC.

use std::path::Path;
use std::process::{Command, Stdio};

use cardmesh_kit::proto::card_service_client::CardServiceClient;
use cardmesh_kit::proto::{CardScope, DescribeRequest};
use cardmesh_tests::process::ServiceProcess;

const BRIDGE: &str = env!("CARGO_BIN_EXE_http-bridge");

/// Runs the bridge with `env` and a clean environment otherwise; returns its exit status
/// and standard error when it exits within 20 s.
fn run_to_exit(env: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(BRIDGE);
    command.env_clear().stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("run http-bridge");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn refuses_to_start_on_a_bad_configuration_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("http-bridge-binary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("bridge.toml");
    std::fs::write(
        &file,
        "[[endpoint]]\nname = \"a\"\nurl = \"http://x/\"\nkeys = [\"k\"]\n[[endpoint]]\nname = \"b\"\nurl = \"http:// bad\"\nkeys = [\"k\", \"bad key\"]\n",
    )
    .expect("write config");
    let (ok, stderr) = run_to_exit(&[("CARDMESH_BRIDGE_CONFIG", file.to_str().expect("utf-8 path"))]);
    assert!(!ok, "a bad configuration must not start");
    for field in ["endpoint[1].url", "endpoint[1].keys[0]: \"k\" is already claimed", "endpoint[1].keys[1]"] {
        assert!(stderr.contains(field), "{field} not named in:\n{stderr}");
    }

    let (ok, stderr) = run_to_exit(&[("CARDMESH_BRIDGE_URL", "http://127.0.0.1:9/"), ("CARDMESH_BRIDGE_KEYS", "")]);
    assert!(!ok);
    assert!(stderr.contains("endpoint[0].keys: empty"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn serves_describe_from_the_environment() {
    let logs = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("http-bridge-binary-{}", std::process::id()));
    let bridge = ServiceProcess::start(
        BRIDGE,
        "http-bridge",
        &logs,
        &[
            ("CARDMESH_BRIDGE_URL", "http://127.0.0.1:9/cards".into()),
            ("CARDMESH_BRIDGE_KEYS", "legacy-orders,legacy-plan".into()),
            ("CARDMESH_BRIDGE_SECRET", "secret-not-in-describe".into()),
        ],
    );
    let mut client = CardServiceClient::connect(bridge.endpoint()).await.expect("connect");
    let described = client.describe(DescribeRequest {}).await.expect("describe").into_inner();
    drop(bridge);
    let _ = std::fs::remove_dir_all(logs);
    assert_eq!(described.service_name, "http-bridge");
    let keys: Vec<(&str, u32, i32)> =
        described.cards.iter().map(|c| (c.key.as_str(), c.default_ttl_seconds, c.scope)).collect();
    let customer = CardScope::Customer as i32;
    assert_eq!(keys, [("legacy-orders", 300, customer), ("legacy-plan", 300, customer)]);
}
