//! The error-code reference of the book (`docs/src/reference/error-codes.md`), generated
//! from [`GatewayError`]: one example of every variant, with the status and code the one
//! mapping ([`GatewayError::status`], [`GatewayError::code`]) gives it and the message a
//! client reads.
//!
//! `tests/tests/integration/docs_reference.rs` fails when the committed page differs from
//! [`reference_markdown`]; `cargo run -p cardmesh-tests --example reference_docs` rewrites it.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::access::{AccessError, LimitScope};
use crate::actions::ActionError;
use crate::error::GatewayError;
use crate::plain::RequestError;
use crate::plain_client::{CallError, CustomerLookupError};
use crate::verify::{StaleReason, VerifyError};

/// One example of every error the gateway answers with. The match at the end has no
/// wildcard, so a new variant does not compile until it has an example here.
pub fn examples() -> Vec<GatewayError> {
    let all = vec![
        GatewayError::PayloadTooLarge { limit: 65_536 },
        GatewayError::BodyRead("connection reset".into()),
        GatewayError::BodyTimeout { limit: Duration::from_secs(5) },
        GatewayError::UnsupportedMediaType,
        GatewayError::Access(AccessError::MissingHeader { name: "authorization".into() }),
        GatewayError::Access(AccessError::WrongHeader { name: "authorization".into() }),
        GatewayError::Access(AccessError::RateLimited {
            scope: LimitScope::Workspace,
            retry_after: Duration::from_secs(1),
        }),
        GatewayError::Signature(VerifyError::Missing),
        GatewayError::Signature(VerifyError::Malformed),
        GatewayError::Signature(VerifyError::Mismatch),
        GatewayError::Signature(VerifyError::UnknownWorkspace),
        GatewayError::Signature(VerifyError::Stale(StaleReason::Missing)),
        GatewayError::InvalidBody(RequestError::Syntax { message: "expected value at line 1 column 1".into() }),
        GatewayError::InvalidBody(RequestError::Field {
            field: "cardKeys[1]".into(),
            message: "must match [a-zA-Z0-9_-]+".into(),
        }),
        GatewayError::AllServicesUnavailable,
        GatewayError::NotReady { card_keys: 3, services_not_described: 1, conflicts: serde_json::json!([]) },
        GatewayError::ShuttingDown,
        GatewayError::AdminOff,
        GatewayError::InvalidAdminToken { needs: "the operator token (admin.operator_token)" },
        GatewayError::OperatorTokenRequired,
        GatewayError::MisdirectedRequest { host: "attacker.example".into() },
        GatewayError::InvalidAdminBody("the body is not valid JSON".into()),
        GatewayError::InvalidAdminField { field: "cardKeys".into(), message: "at most 25 card keys".into() },
        GatewayError::NotFound,
        GatewayError::MethodNotAllowed { method: axum::http::Method::GET, path: "/".into() },
        GatewayError::CacheDisabled,
        GatewayError::CacheUnavailable { cause: "connection refused".into() },
        GatewayError::CustomerLookup(CustomerLookupError::PlainApiOff),
        GatewayError::CustomerLookup(CustomerLookupError::Unknown("cus_1".into())),
        GatewayError::CustomerLookup(CustomerLookupError::Failed(CallError::Timeout(Duration::from_secs(5)))),
        GatewayError::Action(ActionError::InvalidBody { field: "threadId".into(), message: "must be a string".into() }),
        GatewayError::Action(ActionError::MissingCustomer),
        GatewayError::Action(ActionError::WorkspaceMismatch),
        GatewayError::Action(ActionError::UnknownAction),
        GatewayError::Action(ActionError::CustomerNotFound),
        GatewayError::Action(ActionError::CustomerNeedsPlainApi),
        GatewayError::Action(ActionError::CustomerLookupFailed { cause: "timeout".into() }),
        GatewayError::Action(ActionError::CustomerLookupRefused { cause: "FORBIDDEN".into() }),
        GatewayError::Action(ActionError::InProgress { retry_after: Duration::from_secs(10) }),
        GatewayError::Action(ActionError::LedgerUnavailable { cause: "connection refused".into() }),
        GatewayError::Action(ActionError::Refused { reason: "the trial was extended already".into(), replayed: false }),
        GatewayError::Action(ActionError::Failed { reason: "the billing system did not answer".into() }),
        GatewayError::Action(ActionError::ServiceUnavailable { cause: "connection refused".into() }),
        GatewayError::Action(ActionError::NotImplemented),
    ];
    for error in &all {
        match error {
            GatewayError::PayloadTooLarge { .. }
            | GatewayError::BodyRead(_)
            | GatewayError::BodyTimeout { .. }
            | GatewayError::UnsupportedMediaType
            | GatewayError::Access(_)
            | GatewayError::Signature(_)
            | GatewayError::InvalidBody(_)
            | GatewayError::AllServicesUnavailable
            | GatewayError::NotReady { .. }
            | GatewayError::ShuttingDown
            | GatewayError::AdminOff
            | GatewayError::InvalidAdminToken { .. }
            | GatewayError::OperatorTokenRequired
            | GatewayError::MisdirectedRequest { .. }
            | GatewayError::InvalidAdminBody(_)
            | GatewayError::InvalidAdminField { .. }
            | GatewayError::NotFound
            | GatewayError::MethodNotAllowed { .. }
            | GatewayError::CacheDisabled
            | GatewayError::CacheUnavailable { .. }
            | GatewayError::CustomerLookup(_)
            | GatewayError::Action(_) => {}
        }
    }
    all
}

/// The whole page, in Markdown: one row per code, with every status and example message.
pub fn reference_markdown() -> String {
    let mut codes: BTreeMap<&'static str, (Vec<u16>, Vec<String>)> = BTreeMap::new();
    for error in examples() {
        let (statuses, messages) = codes.entry(error.code()).or_default();
        let status = error.status().as_u16();
        if !statuses.contains(&status) {
            statuses.push(status);
        }
        messages.push(error.to_string());
    }
    let mut page = String::from(
        "# Error codes\n\n\
         <!-- Generated from gateway/src/error/mod.rs (cardmesh_gateway::error::reference); do not edit.\n     \
         Run `cargo run -p cardmesh-tests --example reference_docs` to update. -->\n\n\
         Every refusal of both listeners is one JSON envelope,\n\
         `{\"error\":{\"code\":…,\"message\":…}}`, plus `field` (the JSON path of a bad field) or\n\
         `header` (a required header) when they help. The `code` is stable; the message is for\n\
         people and may change. These are the codes, with their HTTP status and an example message,\n\
         from the gateway's one error enum. Where each is answered, and what Plain does with it:\n\
         [How a request is answered](../concepts/request-path.md#errors).\n\n\
         | code | status | example message |\n| --- | --- | --- |\n",
    );
    for (code, (statuses, messages)) in codes {
        let statuses = statuses.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
        // Messages are text: `<token>` must not become an HTML tag of the page.
        let messages = messages
            .iter()
            .map(|m| m.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('|', "\\|"))
            .collect::<Vec<_>>()
            .join("<br>");
        page.push_str(&format!("| `{code}` | {statuses} | {messages} |\n"));
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_appears_once_with_its_status() {
        let page = reference_markdown();
        for code in ["payload_too_large", "invalid_field", "stale_request", "plain_unavailable", "not_found"] {
            assert_eq!(page.matches(&format!("| `{code}` |")).count(), 1, "{code}:\n{page}");
        }
        assert!(page.contains("| `rate_limited` | 429 |"), "{page}");
    }
}
