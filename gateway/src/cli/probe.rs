//! `validate --url`: one request to a running card API, exactly as Plain sends it.

use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use super::judge::{judge_document, Judgement, ValidateArgs};
use cardmesh_rules::Rule;

/// The `User-Agent` of Plain's card requests.
pub const PLAIN_USER_AGENT: &str = "Plain/1.0 (plain.com; help@plain.com)";

/// Plain gives up on a card API after this long.
pub const PLAIN_TIMEOUT: Duration = Duration::from_secs(15);

/// The body Plain sends: `cardKeys`, `customer` (`email` and `externalId` `null` when not
/// given), `thread: null` (not in a thread), and the undocumented `timestamp`.
pub fn plain_request_body(args: &ValidateArgs, timestamp: SystemTime) -> String {
    json!({
        "cardKeys": args.keys,
        "customer": { "id": args.customer_id, "email": args.email, "externalId": args.external_id },
        "thread": null,
        "timestamp": humantime::format_rfc3339_millis(timestamp).to_string(),
    })
    .to_string()
}

/// Sends the request to `url` (signed with `secret` when given) and judges the answer.
/// Fails only when the request cannot be built (a bad URL); an unreachable API, a status
/// other than 200 and a slow answer are findings.
pub async fn probe(url: &str, secret: Option<&str>, args: &ValidateArgs) -> Result<Judgement, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("--url {url:?} is not a URL: {e}"))?;
    let body = plain_request_body(args, SystemTime::now());
    let client = reqwest::Client::builder()
        .timeout(PLAIN_TIMEOUT)
        .user_agent(PLAIN_USER_AGENT)
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let mut request = client
        .post(parsed)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .header("Plain-Workspace-Id", &args.workspace_id)
        // A cardmesh gateway then answers as it would Plain, but does not count this request
        // as one of Plain's (its reload detection); any other endpoint ignores it.
        .header(crate::http::PROBE_HEADER, "validate");
    if let Some(secret) = secret {
        request = request.header(crate::verify::SIGNATURE_HEADER, crate::verify::sign(secret, body.as_bytes()));
    }
    let started = Instant::now();
    let answer = request.body(body).send().await;
    let mut judgement = match answer {
        Err(e) if e.is_timeout() => {
            failed(Rule::Timeout, format!("no answer within Plain's {} s", PLAIN_TIMEOUT.as_secs()))
        }
        Err(e) => failed(Rule::Response, format!("the request failed: {e}")),
        Ok(response) => {
            let status = response.status().as_u16();
            let bytes = response.bytes().await;
            let mut judgement = match bytes {
                Ok(bytes) if status == 200 => judge_document(&bytes, &args.keys),
                Ok(_) => failed(Rule::Response, format!("status {status}; Plain needs 200 (it treats other 4xx as an integration error for every card, cached 5 minutes)")),
                Err(e) if e.is_timeout() => failed(Rule::Timeout, format!("the body did not arrive within Plain's {} s", PLAIN_TIMEOUT.as_secs())),
                Err(e) => failed(Rule::Response, format!("cannot read the body: {e}")),
            };
            judgement.status = Some(status);
            judgement
        }
    };
    let elapsed = started.elapsed();
    if elapsed > PLAIN_TIMEOUT && !judgement.report.violations.iter().any(|v| v.rule == Rule::Timeout) {
        judgement.report.violation(
            "$",
            Rule::Timeout,
            format!("answered in {} ms; Plain gives up after 15 s", elapsed.as_millis()),
        );
    }
    judgement.elapsed = Some(elapsed);
    Ok(judgement)
}

fn failed(rule: Rule, message: String) -> Judgement {
    let mut judgement = Judgement::default();
    judgement.report.violation("$", rule, message);
    judgement
}
