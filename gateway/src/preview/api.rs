//! `GET /admin/preview/keys` and `POST /admin/preview`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::auth::require_operator;
use crate::config::SigningSecrets;
use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::plain::parse_request;
use crate::request::assemble::{CardProvenance, Source};
use crate::telemetry::RequestSpanSlot;

/// `{"cards": [{"key", "title", "service"}], "actions": [{"name", "description",
/// "changesCards", "service"}], "servicesNotDescribed": n}`: every routable key, by owning
/// service (configured order), then key; every routable action, by name.
pub(super) async fn keys(State(gateway): State<Arc<Gateway>>, headers: HeaderMap) -> Result<Response, GatewayError> {
    require_operator(&gateway, &headers)?;
    let table = gateway.router().table();
    let cards: Vec<Value> = table
        .cards()
        .into_iter()
        .map(|c| json!({ "key": c.key, "title": c.title, "service": &*c.service_name }))
        .collect();
    let actions: Vec<Value> = table
        .actions()
        .into_iter()
        .map(|a| {
            json!({
                "name": a.name,
                "description": a.description,
                "changesCards": a.changes_cards,
                "service": &*a.service_name,
            })
        })
        .collect();
    Ok(Json(json!({ "cards": cards, "actions": actions, "servicesNotDescribed": table.undescribed() })).into_response())
}

/// Most characters of a preview's `workspaceId` (Plain's ids are about 30): the cap of the
/// identifiers of `POST /admin/invalidate` (`crate::plain::MAX_IDENTIFIER_CHARS`).
const MAX_WORKSPACE_ID_CHARS: usize = 256;

/// The preview draws only for a workspace the gateway serves. With per-workspace secrets
/// that is one of the configured workspaces; with one shared list (or unsigned requests) the
/// gateway cannot tell its workspaces apart, so any well-formed id is taken: 1 to 256
/// characters of `[A-Za-z0-9_-]`. Anything else is 400 `invalid_field` for `workspaceId`.
pub(super) fn check_workspace(secrets: &SigningSecrets, workspace_id: &str) -> Result<(), GatewayError> {
    let refuse = |message: &str| {
        Err(GatewayError::InvalidAdminField { field: "workspaceId".into(), message: message.to_owned() })
    };
    match secrets {
        SigningSecrets::PerWorkspace(table) if !table.contains_key(workspace_id) => {
            refuse("not a workspace this gateway serves; use one of the workspaces in signing_secrets")
        }
        SigningSecrets::PerWorkspace(_) => Ok(()),
        SigningSecrets::Shared(_) => {
            let well_formed = !workspace_id.is_empty()
                && workspace_id.chars().count() <= MAX_WORKSPACE_ID_CHARS
                && workspace_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if well_formed {
                Ok(())
            } else {
                refuse("not a Plain workspace id: 1 to 256 characters of [A-Za-z0-9_-], e.g. w_01H...")
            }
        }
    }
}

/// The body of `POST /admin/preview`: a Plain card request (`cardKeys`, `customer`,
/// `thread`, `tenant`, checked exactly as Plain's are), plus the workspace Plain would name
/// in `Plain-Workspace-Id` ([`check_workspace`]) and whether to bypass the cache's fresh
/// copies. Nothing the preview draws is ever stored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PreviewRequest {
    card_keys: Value,
    customer: Value,
    #[serde(default)]
    thread: Value,
    #[serde(default)]
    tenant: Value,
    workspace_id: String,
    /// Draw every card again instead of using fresh cached copies (default: false). The
    /// drawn cards are not stored either way.
    #[serde(default)]
    reload: bool,
}

/// Runs the normal request path for the described request and answers
/// `{"answer": <what Plain would get>, "cards": [<provenance>], "limits", "answerBytes",
/// "tookMs"}`. Errors are the ones Plain would get (400 for a bad request, 503 when every
/// service is unreachable), in the gateway's error envelope.
pub(super) async fn preview(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GatewayError> {
    require_operator(&gateway, &headers)?;
    let preview: PreviewRequest = serde_json::from_slice(&body)
        .map_err(|e| GatewayError::InvalidAdminBody(format!("POST /admin/preview: {e}")))?;
    check_workspace(&gateway.config().signing_secrets, &preview.workspace_id)?;
    let plain_body = json!({
        "cardKeys": preview.card_keys,
        "customer": preview.customer,
        "thread": preview.thread,
        "tenant": preview.tenant,
    });
    let parsed = parse_request(plain_body.to_string().as_bytes(), gateway.config().limits.max_card_keys);
    let (request, keys) = parsed?;
    let started = Instant::now();
    let span = RequestSpanSlot::new(&headers);
    let answer = gateway.answer_with_provenance(&request, &keys, &preview.workspace_id, &span, preview.reload).await?;
    let took = started.elapsed();
    // The cards as the gateway wrote them (field order kept), inspected through a parsed copy.
    // The gateway built this body itself; should it ever be unreadable, the page shows no cards.
    let document: AnswerDocument<'_> =
        serde_json::from_str(&answer.body).unwrap_or(AnswerDocument { cards: Vec::new() });
    let cards: Vec<CardEntry<'_>> = answer
        .provenance
        .unwrap_or_default()
        .into_iter()
        .zip(&document.cards)
        .map(|(provenance, card)| CardEntry::new(provenance, card))
        .collect();
    let limits = &gateway.config().limits;
    Ok(Json(PreviewAnswer {
        answer_bytes: answer.body.len(),
        answer: &document,
        cards,
        limits: Limits { max_card_bytes: limits.max_card_bytes, max_response_bytes: limits.max_response_bytes },
        took_ms: took.as_secs_f64() * 1000.0,
    })
    .into_response())
}

/// The answer Plain would get, each card kept as written.
#[derive(Deserialize, Serialize)]
struct AnswerDocument<'a> {
    #[serde(borrow)]
    cards: Vec<&'a RawValue>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PreviewAnswer<'a> {
    answer_bytes: usize,
    answer: &'a AnswerDocument<'a>,
    cards: Vec<CardEntry<'a>>,
    limits: Limits,
    took_ms: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Limits {
    max_card_bytes: usize,
    max_response_bytes: usize,
}

/// One card's provenance as the page reads it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CardEntry<'a> {
    key: String,
    /// `fresh`, `cacheHit`, `stale`, `fallback`, `noData` or `unknownKey`.
    source: &'static str,
    /// Why a stale or fallback card failed: a failure code (`timeout`, `unreachable`,
    /// `circuit_open`, `invalid_card`, `card_too_big`, `response_too_big`, ...).
    reason: Option<&'static str>,
    detail: Option<String>,
    service: Option<String>,
    call_latency_ms: Option<f64>,
    /// The `timeToLiveSeconds` Plain gets; null when the card sets none.
    ttl_seconds: Value,
    bytes: usize,
    card: &'a RawValue,
}

impl<'a> CardEntry<'a> {
    fn new(provenance: CardProvenance, card: &'a RawValue) -> Self {
        let parsed: Value = serde_json::from_str(card.get()).unwrap_or(Value::Null);
        let (source, reason) = match provenance.source {
            Source::CacheHit => ("cacheHit", None),
            Source::Fresh => ("fresh", None),
            Source::NoData => ("noData", None),
            Source::Stale { reason } => ("stale", Some(reason)),
            Source::Fallback { reason } => ("fallback", Some(reason)),
            Source::UnknownKey => ("unknownKey", None),
        };
        Self {
            key: provenance.key,
            source,
            reason,
            detail: provenance.detail,
            service: provenance.service.as_deref().map(str::to_owned),
            call_latency_ms: provenance.call_latency.map(|d| d.as_secs_f64() * 1000.0),
            ttl_seconds: parsed.get("timeToLiveSeconds").cloned().unwrap_or(Value::Null),
            bytes: provenance.bytes,
            card,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::config::Secret;

    fn refused(secrets: &SigningSecrets, id: &str) -> bool {
        matches!(check_workspace(secrets, id), Err(GatewayError::InvalidAdminField { field, .. }) if field == "workspaceId")
    }

    #[test]
    fn with_per_workspace_secrets_only_configured_workspaces() {
        let secrets = SigningSecrets::PerWorkspace(BTreeMap::from([("w_1".to_owned(), vec![Secret::new("s")])]));
        assert!(check_workspace(&secrets, "w_1").is_ok());
        assert!(refused(&secrets, "w_2") && refused(&secrets, ""));
    }

    #[test]
    fn with_a_shared_list_any_well_formed_id() {
        let secrets = SigningSecrets::Shared(vec![Secret::new("s")]);
        assert!(check_workspace(&secrets, "w_01HXYZ-any").is_ok());
        for bad in ["", " ", "w 1", "w_1\n", "w/1"] {
            assert!(refused(&secrets, bad), "{bad:?}");
        }
        assert!(refused(&secrets, &"w".repeat(MAX_WORKSPACE_ID_CHARS + 1)));
    }
}
