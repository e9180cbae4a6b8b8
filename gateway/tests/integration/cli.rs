//! The `cardmesh-gateway` binary's subcommands and startup checks.

use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cardmesh-gateway"));
    for (name, _) in cardmesh_gateway::config::ENV_VARS.iter().chain(cardmesh_gateway::config::TELEMETRY_ENV_VARS) {
        cmd.env_remove(name);
    }
    cmd
}

fn run_with_stdin(mut cmd: Command, input: &[u8]) -> std::process::Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // A command may exit before reading its input (for example on a usage error); its exit
    // status and output are what the tests check, so a closed pipe is not a failure here.
    match child.stdin.take().unwrap().write_all(input) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.unwrap(),
    }
    child.wait_with_output().unwrap()
}

#[test]
fn sign_prints_the_hmac_of_stdin() {
    let mut cmd = bin();
    cmd.args(["sign", "--secret", "Jefe"]);
    let out = run_with_stdin(cmd, b"what do ya want for nothing?");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn sign_prints_a_curl_with_the_signature() {
    let mut cmd = bin();
    cmd.args(["sign", "--curl", "http://127.0.0.1:8080/"]).env("CARDMESH_SIGNING_SECRETS", "dev,other");
    let body = br#"{"cardKeys":["usage"],"customer":{"id":"c","email":"o'neil@example.com"}}"#;
    let out = run_with_stdin(cmd, body);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("curl "), "{text}");
    assert!(text.contains(&cardmesh_gateway::verify::sign("dev", body)), "{text}");
    assert!(text.contains(r"o'\''neil"), "quotes are escaped for the shell: {text}");
}

#[test]
fn sign_without_a_secret_says_how_to_give_one() {
    let out = run_with_stdin(
        {
            let mut c = bin();
            c.arg("sign");
            c
        },
        b"{}",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--secret"));
}

#[test]
fn serve_refuses_to_start_without_a_secret() {
    let out = bin().arg("serve").stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CARDMESH_SIGNING_SECRETS"), "{err}");
}

#[test]
fn serve_refuses_an_otlp_endpoint_that_is_not_a_url() {
    let out = bin()
        .arg("serve")
        .env("CARDMESH_ALLOW_UNSIGNED", "true")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "{err}");
}

#[test]
fn serve_names_the_admin_listener_it_cannot_bind() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let out = bin()
        .arg("serve")
        .env("CARDMESH_ALLOW_UNSIGNED", "true")
        .env("CARDMESH_LISTEN", "127.0.0.1:0")
        .env("CARDMESH_ADMIN_LISTEN", taken.local_addr().unwrap().to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CARDMESH_ADMIN_LISTEN"), "{err}");
}

#[test]
fn serve_refuses_unsigned_mode_on_a_public_address() {
    let out = bin()
        .arg("serve")
        .env("CARDMESH_ALLOW_UNSIGNED", "true")
        .env("CARDMESH_LISTEN", "0.0.0.0:0")
        .env("CARDMESH_ADMIN_LISTEN", "127.0.0.1:0")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("allow_unsigned:") && err.contains("(listen / CARDMESH_LISTEN)"), "{err}");
    assert!(err.contains("Unset CARDMESH_ALLOW_UNSIGNED"), "{err}");
}

#[test]
fn validate_accepts_a_good_response_and_lists_violations_of_a_bad_one() {
    let mut cmd = bin();
    cmd.arg("validate");
    let good = br#"{"cards":[{"key":"usage","timeToLiveSeconds":60,"components":[{"componentText":{"text":"hi"}}]},{"key":"x","components":null}]}"#;
    let out = run_with_stdin(cmd, good);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    let mut cmd = bin();
    cmd.arg("validate");
    let bad = br#"{"cards":[{"key":"usage","components":[{"componentRow":{"rowMainContent":[{"componentContainer":{"containerContent":[{"componentDivider":{}}]}}],"rowAsideContent":[{"componentBadge":{"badgeLabel":""}}]}}]}]}"#;
    let out = run_with_stdin(cmd, bad);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("cards[0].components[0].componentRow.rowMainContent[0]"), "{text}");
    assert!(text.contains("rowAsideContent[0].componentBadge.badgeLabel"), "{text}");
}

#[test]
fn serve_refuses_to_start_with_an_unreadable_tls_file_naming_it() {
    let out = bin()
        .arg("serve")
        .env("CARDMESH_ALLOW_UNSIGNED", "true")
        .env("CARDMESH_LISTEN", "127.0.0.1:0")
        .env("CARDMESH_TLS_CERT_FILE", "/nonexistent/cards.pem")
        .env("CARDMESH_TLS_KEY_FILE", "/nonexistent/cards.key")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tls: cannot read /nonexistent/cards.pem"), "{err}");
}

fn validate(args: &[&str], input: &[u8]) -> (Option<i32>, String) {
    let mut cmd = bin();
    cmd.arg("validate").args(args);
    let out = run_with_stdin(cmd, input);
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

fn json_output(args: &[&str], input: &[u8]) -> (Option<i32>, serde_json::Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, text) = validate(&all, input);
    (code, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
}

/// `(path, rule)` of the `violations` or `warnings` of a JSON report.
fn pairs(report: &serde_json::Value, list: &str) -> Vec<(String, String)> {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["path"].as_str().unwrap().to_owned(), v["rule"].as_str().unwrap().to_owned()))
        .collect()
}

const ALIASES: &[u8] = br#"{"cards":[{"key":"usage","components":[
    {"componentText":{"text":"hi","size":"L","color":"MUTED"}},
    {"componentDivider":{"spacingSize":"M"}},
    {"componentSpacer":{"size":"S"}},
    {"componentLinkButton":{"label":"Open","url":"https://example.com"}}]}]}"#;

#[test]
fn deprecated_aliases_are_warnings_exit_0_and_fail_with_strict() {
    let (code, text) = validate(&[], ALIASES);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("warning: cards[0].components[0].componentText.size: [deprecated]"), "{text}");
    assert!(text.contains("fix: rename the field to its current name"), "{text}");
    assert!(text.contains("ok with 6 warning(s)"), "{text}");

    let (code, report) = json_output(&["--strict"], ALIASES);
    assert_eq!(code, Some(1));
    assert_eq!(report["valid"], false);
    assert_eq!(pairs(&report, "warnings").len(), 6);
    assert_eq!(pairs(&report, "violations"), vec![]);
}

#[test]
fn alias_values_are_still_checked_and_unknown_fields_are_not_deprecated() {
    let body = br#"{"cards":[{"key":"usage","components":[
        {"componentText":{"text":"hi","size":"XXL"}},
        {"componentBadge":{"badgeLabel":"x","color":"RED"}}]}]}"#;
    let (code, report) = json_output(&[], body);
    assert_eq!(code, Some(1));
    assert_eq!(
        pairs(&report, "violations"),
        vec![
            ("cards[0].components[0].componentText.size".to_owned(), "enum".to_owned()),
            ("cards[0].components[1].componentBadge.color".to_owned(), "unknownField".to_owned()),
        ]
    );
    assert_eq!(
        pairs(&report, "warnings"),
        vec![("cards[0].components[0].componentText.size".to_owned(), "deprecated".to_owned())]
    );
    assert!(report["violations"][0]["fix"].as_str().unwrap().contains("upper case"));
}

#[test]
fn explicit_nulls_from_plains_builders_are_accepted() {
    let body = br#"{"cards":[{"key":"usage","timeToLiveSeconds":null,"components":[
        {"componentText":{"text":"hi","textColor":null,"textSize":null}},
        {"componentBadge":{"badgeLabel":"x","badgeColor":null}},
        {"componentDivider":{"dividerSpacingSize":null}},
        {"componentDateTime":{"dateTimeIso8601":"2026-03-01T09:30:00Z"}},
        {"componentUser":{"userIdentifier":{"emailAddress":"owner@example.com"}}}]}]}"#;
    let (code, text) = validate(&[], body);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("ok: the response follows Plain's card rules"), "{text}");
}

#[test]
fn keys_must_all_be_answered_and_extra_cards_are_ignored() {
    let body = br#"{"cards":[{"key":"usage","components":null},{"key":"extra","components":null}]}"#;
    let (code, report) = json_output(&["--keys", "usage,latest-invoice"], body);
    assert_eq!(code, Some(1));
    assert_eq!(pairs(&report, "violations"), vec![("cards".to_owned(), "missingKey".to_owned())]);
    assert!(report["violations"][0]["message"].as_str().unwrap().contains("latest-invoice"));
    assert_eq!(pairs(&report, "warnings"), vec![("cards[1].key".to_owned(), "ignoredCard".to_owned())]);

    let (code, text) = validate(&["--keys", "usage"], body);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("[ignoredCard]"), "{text}");
}

#[test]
fn text_output_names_path_rule_and_fix_and_bad_json_is_a_violation() {
    let body = br#"{"cards":[{"key":"usage","components":[{"componentText":{"text":""}}]}]}"#;
    let (code, text) = validate(&[], body);
    assert_eq!(code, Some(1));
    assert!(text.contains("error: cards[0].components[0].componentText.text: [minChars] must not be empty"), "{text}");
    assert!(text.contains("  fix: "), "{text}");
    let (code, report) = json_output(&[], b"{not json");
    assert_eq!(code, Some(1));
    assert_eq!(pairs(&report, "violations"), vec![("$".to_owned(), "response".to_owned())]);
}

/// What the test server saw of one request.
struct Seen {
    head: String,
    body: Vec<u8>,
}

/// A real HTTP server on port 0 that answers one request with `status` and `body`.
fn one_shot_server(status: u16, body: &'static str) -> (String, std::thread::JoinHandle<Seen>) {
    use std::io::{BufRead, BufReader, Read};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cards", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        let length: usize = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
            .unwrap_or(0);
        let mut request_body = vec![0; length];
        reader.read_exact(&mut request_body).unwrap();
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        Seen { head, body: request_body }
    });
    (url, handle)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn url_sends_a_signed_request_as_plain_does_and_judges_the_answer() {
    let answer = r#"{"cards":[{"key":"usage","components":[{"componentText":{"text":"hi"}}]},{"key":"other","components":null}]}"#;
    let (url, server) = one_shot_server(200, answer);
    let (code, report) = json_output(
        &[
            "--url",
            &url,
            "--secret",
            "s3cret",
            "--keys",
            "usage,other",
            "--customer-id",
            "c_9",
            "--external-id",
            "cus_9",
            "--workspace-id",
            "w_9",
        ],
        b"",
    );
    let seen = server.join().unwrap();
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["status"], 200);
    assert!(report["elapsedMs"].as_u64().unwrap() < 15_000);

    assert!(seen.head.starts_with("POST /cards HTTP/1.1\r\n"), "{}", seen.head);
    assert_eq!(header(&seen.head, "user-agent"), Some("Plain/1.0 (plain.com; help@plain.com)"));
    assert_eq!(header(&seen.head, "content-type"), Some("application/json"));
    assert_eq!(header(&seen.head, "accept"), Some("application/json"));
    assert_eq!(header(&seen.head, "plain-workspace-id"), Some("w_9"));
    // A cardmesh gateway does not count the probe as Plain (its served ledger).
    assert_eq!(header(&seen.head, "cardmesh-probe"), Some("validate"));
    let signature = cardmesh_gateway::verify::sign("s3cret", &seen.body);
    assert_eq!(header(&seen.head, "plain-request-signature"), Some(signature.as_str()));

    let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(body["cardKeys"], serde_json::json!(["usage", "other"]));
    assert_eq!(body["customer"], serde_json::json!({ "id": "c_9", "email": null, "externalId": "cus_9" }));
    assert_eq!(body["thread"], serde_json::Value::Null);
    let timestamp = body["timestamp"].as_str().unwrap();
    assert!(cardmesh_rules::validate::is_rfc3339_date_time(timestamp), "{timestamp}");
}

#[test]
fn url_reports_a_missing_key_and_a_bad_status() {
    let (url, server) = one_shot_server(200, r#"{"cards":[]}"#);
    let (code, report) = json_output(&["--url", &url, "--keys", "usage"], b"");
    server.join().unwrap();
    assert_eq!(code, Some(1));
    assert_eq!(pairs(&report, "violations"), vec![("cards".to_owned(), "missingKey".to_owned())]);

    let (url, server) = one_shot_server(500, r#"{"error":"boom"}"#);
    let (code, text) = validate(&["--url", &url, "--keys", "usage"], b"");
    let seen = server.join().unwrap();
    assert_eq!(code, Some(1));
    assert!(text.contains("answered 500"), "{text}");
    assert!(text.contains("[response] status 500"), "{text}");
    assert_eq!(header(&seen.head, "plain-request-signature"), None, "no secret: unsigned");
}

#[test]
fn url_never_signs_with_the_gateways_own_secret() {
    let (url, server) = one_shot_server(200, r#"{"cards":[{"key":"usage","components":null}]}"#);
    let mut cmd = bin();
    cmd.args(["validate", "--url", &url, "--keys", "usage"]).env("CARDMESH_SIGNING_SECRETS", "production-secret");
    let out = run_with_stdin(cmd, b"");
    let seen = server.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(header(&seen.head, "plain-request-signature"), None, "only --secret signs a probe");
}
