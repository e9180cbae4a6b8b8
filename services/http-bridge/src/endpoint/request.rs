//! The request Plain would send: body, headers and signature (PROTOCOL.md section 1).

use std::time::SystemTime;

use cardmesh_kit::CardContext;
use hmac::{Hmac, Mac};
use http::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE, USER_AGENT};
use serde_json::{json, Value};
use sha2::Sha256;

/// Plain's `User-Agent`.
pub const PLAIN_USER_AGENT: &str = "Plain/1.0 (plain.com; help@plain.com)";
/// The header naming the Plain workspace.
pub const WORKSPACE_HEADER: &str = "plain-workspace-id";
/// The header with the body's signature.
pub const SIGNATURE_HEADER: &str = "plain-request-signature";

/// The JSON body for `keys` and `ctx`, as Plain sends it: `cardKeys`, `customer` (`id`,
/// `email`, `externalId`, null when unknown), `thread` and `tenant` when the card is shown in
/// one, and the `timestamp` Plain puts in real requests.
pub fn body(keys: &[String], ctx: &CardContext, now: SystemTime) -> Vec<u8> {
    let customer = &ctx.customer;
    let mut body = json!({
        "cardKeys": keys,
        "customer": {
            "id": customer.id,
            "email": customer_email(ctx),
            "externalId": customer.external_id,
        },
    });
    if let Some(thread) = &ctx.thread {
        body["thread"] = json!({ "id": thread.id, "externalId": thread.external_id });
    }
    if let Some(tenant) = &ctx.tenant {
        body["tenant"] = json!({ "id": tenant.id, "externalId": tenant.external_id });
    }
    body["timestamp"] = Value::from(humantime::format_rfc3339_millis(now).to_string());
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The customer's email, `null` when Plain sent none.
fn customer_email(ctx: &CardContext) -> Value {
    ctx.customer.email.as_deref().map_or(Value::Null, Value::from)
}

/// Lowercase hex HMAC-SHA256 of `body` with `secret`: Plain's `Plain-Request-Signature`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Plain's headers for `body`: the configured ones, then `Content-Type` and `Accept`
/// (`application/json`), `User-Agent`, `Plain-Workspace-Id` (when known) and the signature
/// (when a secret is configured).
pub fn headers(configured: &HeaderMap, workspace_id: &str, secret: Option<&str>, body: &[u8]) -> HeaderMap {
    let mut headers = configured.clone();
    let json = HeaderValue::from_static("application/json");
    headers.insert(CONTENT_TYPE, json.clone());
    headers.insert(ACCEPT, json);
    headers.insert(USER_AGENT, HeaderValue::from_static(PLAIN_USER_AGENT));
    if let Ok(value) = HeaderValue::from_str(workspace_id) {
        if !workspace_id.is_empty() {
            headers.insert(WORKSPACE_HEADER, value);
        }
    }
    if let Some(secret) = secret {
        if let Ok(mut value) = HeaderValue::from_str(&sign(secret, body)) {
            value.set_sensitive(true);
            headers.insert(SIGNATURE_HEADER, value);
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;
    use cardmesh_kit::{Customer, Tenant, Thread};

    fn ctx() -> CardContext {
        CardContext {
            workspace_id: "w_1".into(),
            customer: Customer { id: "c_1".into(), email: Some("ada@example.com".into()), external_id: None },
            thread: Some(Thread { id: "th_1".into(), external_id: Some("T-1".into()) }),
            tenant: Some(Tenant { id: "te_1".into(), external_id: None }),
        }
    }

    #[test]
    fn body_has_plains_shape() {
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_748_005_779_820);
        let body: Value = serde_json::from_slice(&body(&["a".into(), "b".into()], &ctx(), now)).expect("json");
        assert_eq!(
            body,
            json!({
                "cardKeys": ["a", "b"],
                "customer": { "id": "c_1", "email": "ada@example.com", "externalId": null },
                "thread": { "id": "th_1", "externalId": "T-1" },
                "tenant": { "id": "te_1", "externalId": null },
                "timestamp": "2025-05-23T13:09:39.820Z",
            })
        );
    }

    #[test]
    fn a_customer_without_email_is_sent_with_null() {
        let mut ctx = ctx();
        ctx.customer.email = None;
        let body: Value = serde_json::from_slice(&body(&["a".into()], &ctx, SystemTime::now())).expect("json");
        assert_eq!(body["customer"]["email"], Value::Null);
        assert!(body["customer"].as_object().is_some_and(|c| c.contains_key("email")));
    }

    #[test]
    fn signature_is_lowercase_hex_hmac_of_the_bytes() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let h = headers(&HeaderMap::new(), "w_1", Some("Jefe"), b"what do ya want for nothing?");
        assert_eq!(h[SIGNATURE_HEADER], "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert_eq!(h[USER_AGENT], PLAIN_USER_AGENT);
        assert_eq!(h[CONTENT_TYPE], "application/json");
        assert_eq!(h[ACCEPT], "application/json");
        assert_eq!(h[WORKSPACE_HEADER], "w_1");
        assert!(!headers(&HeaderMap::new(), "", None, b"{}").contains_key(SIGNATURE_HEADER));
    }
}
