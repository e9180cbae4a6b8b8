//! The binary refuses admin tokens that are too weak, and the retired single admin token,
//! before it listens on anything (exit status 2, the setting named, the token never printed).

use std::process::{Command, Stdio};

use cardmesh_gateway::config::{ENV_VARS, RETIRED_ADMIN_TOKEN_ENV, TELEMETRY_ENV_VARS};

/// `cardmesh-gateway serve` with only `env` set of the gateway's variables (listening on
/// loopback port 0, so a start that should have been refused would not collide).
fn serve(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cardmesh-gateway"));
    for (name, _) in ENV_VARS.iter().chain(TELEMETRY_ENV_VARS) {
        cmd.env_remove(name);
    }
    cmd.env_remove(RETIRED_ADMIN_TOKEN_ENV);
    cmd.arg("serve")
        .env("CARDMESH_SIGNING_SECRETS", "startup-test-secret")
        .env("CARDMESH_LISTEN", "127.0.0.1:0")
        .env("CARDMESH_ADMIN_LISTEN", "127.0.0.1:0")
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    let out = cmd.output().expect("the gateway binary runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_short_admin_token_stops_the_start_and_says_how_to_make_one() {
    for (variable, field) in
        [("CARDMESH_SERVICE_TOKEN", "admin.service_token"), ("CARDMESH_OPERATOR_TOKEN", "admin.operator_token")]
    {
        let (code, err) = serve(&[(variable, "short-secret-token")]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(field) && err.contains(variable) && err.contains("openssl rand -hex 32"), "{err}");
        assert!(!err.contains("short-secret-token"), "the token is never printed: {err}");
    }
}

#[test]
fn the_retired_admin_token_stops_the_start_naming_both_successors() {
    let (code, err) = serve(&[(RETIRED_ADMIN_TOKEN_ENV, "a-long-enough-old-admin-token-0123456789")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("CARDMESH_SERVICE_TOKEN") && err.contains("CARDMESH_OPERATOR_TOKEN"), "{err}");
    assert!(!err.contains("old-admin-token"), "{err}");
}
