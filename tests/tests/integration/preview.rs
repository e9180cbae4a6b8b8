//! The preview's JSON endpoints over real sockets: `POST /admin/preview` runs the normal
//! request path and says where each card came from, without changing what Plain gets (it
//! reads the cache, never writes it); `POST /admin/validate` reports a pasted response's
//! violations; all of it only on the admin listener, behind the operator token. (The page
//! itself is tested in a browser: tests/browser.)

use std::time::Duration;

use cardmesh_gateway::config::Secret;
use cardmesh_tests::providers::{CountingCards, InvalidCards, SlowCards};
use cardmesh_tests::*;
use serde_json::{json, Value};

/// The operator token of the test gateways.
const TOKEN: &str = "preview-operator-token-0123456789abcdef";
/// The card services' token: invalidation only.
const SERVICE_TOKEN: &str = "preview-service-token-0123456789abcdef";

/// POSTs `body` to `path` on the admin listener with `token`; returns status and JSON.
async fn admin_post(gw: &RunningGateway, path: &str, token: Option<&str>, body: String) -> (u16, Value) {
    let mut request = gw.client().post(format!("http://{}{path}", gw.admin_addr)).body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the admin listener answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

/// The preview request for the demo customer and `keys`, as the page sends it.
fn preview_body(keys: &[&str], reload: bool) -> String {
    json!({
        "cardKeys": keys,
        "customer": { "id": "c_test_1", "email": "ada@example.com", "externalId": "cus_demo_1" },
        "thread": { "id": "th_test_1", "externalId": null },
        "workspaceId": "w_test",
        "reload": reload,
    })
    .to_string()
}

fn entry<'a>(preview: &'a Value, key: &str) -> &'a Value {
    preview["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .find(|c| c["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {preview}"))
}

#[tokio::test]
async fn the_preview_says_where_each_card_came_from_and_plain_gets_the_same_answer() {
    let counting = CountingCards::new("counting", &["fast"]);
    let fast = RunningService::start(counting.clone()).await;
    let slow = RunningService::start(SlowCards { key: "slow", delay: Duration::from_secs(5) }).await;
    let invalid = RunningService::start(InvalidCards).await;
    let mut config = gateway_config(&[fast.endpoint(), slow.endpoint(), invalid.endpoint()]);
    config.admin.operator_token = Some(Secret::new(TOKEN));
    let gw = RunningGateway::start_ready(config).await;
    let keys = ["fast", "slow", "bad-url", "too-big", "no-such-card"];

    let (status, first) = admin_post(&gw, "/admin/preview", Some(TOKEN), preview_body(&keys, false)).await;
    assert_eq!(status, 200, "{first}");
    let source =
        |preview: &Value, key: &str| (entry(preview, key)["source"].clone(), entry(preview, key)["reason"].clone());
    assert_eq!(source(&first, "fast"), (json!("fresh"), Value::Null));
    assert_eq!(entry(&first, "fast")["service"], gw.service_name(&fast.endpoint()));
    assert!(entry(&first, "fast")["callLatencyMs"].as_f64().is_some_and(|ms| ms >= 0.0), "{first}");
    assert_eq!(source(&first, "slow"), (json!("fallback"), json!("timeout")));
    assert_eq!(source(&first, "bad-url"), (json!("fallback"), json!("invalid_card")));
    let detail = entry(&first, "bad-url")["detail"].as_str().expect("detail");
    assert!(detail.contains("componentLinkButton.linkButtonUrl"), "the JSON path: {detail}");
    assert_eq!(source(&first, "too-big"), (json!("fallback"), json!("card_too_big")));
    assert_eq!(source(&first, "no-such-card"), (json!("unknownKey"), Value::Null));
    assert_eq!(entry(&first, "no-such-card")["service"], Value::Null);
    assert_eq!(entry(&first, "slow")["ttlSeconds"], 30, "a fallback card's TTL");
    assert_eq!(first["limits"]["maxCardBytes"], 32768);
    for card in first["cards"].as_array().expect("cards") {
        assert_eq!(card["bytes"].as_u64(), Some(card["card"].to_string().len() as u64), "{card}");
    }
    gw.flush_cache().await;

    // What Plain gets for the same request is exactly the preview's `answer`, and carries no
    // provenance at all. The preview stored nothing, so Plain's request draws the card again.
    let plain = gw.post_signed(&demo_body(&keys)).await;
    assert_eq!(plain.status, 200, "{}", plain.json);
    assert_eq!(plain.json, first["answer"], "the preview's answer is Plain's");
    assert_eq!(plain.json.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()), Some(vec!["cards".to_owned()]));
    assert_eq!(counting.calls(), 2, "the preview's card was not cached");
    gw.flush_cache().await;

    // Again: the good card from the cache Plain's request filled, without a call; with
    // reload, drawn again.
    let (_, second) = admin_post(&gw, "/admin/preview", Some(TOKEN), preview_body(&["fast"], false)).await;
    assert_eq!(source(&second, "fast"), (json!("cacheHit"), Value::Null));
    assert_eq!(entry(&second, "fast")["callLatencyMs"], Value::Null);
    assert_eq!(counting.calls(), 2);
    let (_, reloaded) = admin_post(&gw, "/admin/preview", Some(TOKEN), preview_body(&["fast"], true)).await;
    assert_eq!(source(&reloaded, "fast"), (json!("fresh"), Value::Null));
    assert_eq!(counting.calls(), 3, "reload bypasses the cache");
}

#[tokio::test]
async fn a_card_over_the_answer_limit_is_a_fallback_for_that_reason() {
    let services = ExampleServices::start().await;
    let mut config = gateway_config(&services.endpoints());
    config.admin.operator_token = Some(Secret::new(TOKEN));
    config.limits.max_card_bytes = 1024;
    config.limits.max_response_bytes = 2000;
    let gw = RunningGateway::start_ready(config).await;
    let keys = ["subscription-status", "latest-invoice", "usage", "customer-details"];
    let (status, preview) = admin_post(&gw, "/admin/preview", Some(TOKEN), preview_body(&keys, false)).await;
    assert_eq!(status, 200, "{preview}");
    let replaced: Vec<&str> =
        keys.iter().copied().filter(|k| entry(&preview, k)["reason"] == "response_too_big").collect();
    assert!(!replaced.is_empty(), "{preview}");
    assert!(preview["answerBytes"].as_u64().is_some_and(|b| b <= 2000), "{preview}");
}

#[tokio::test]
async fn the_preview_endpoints_need_the_operator_token_and_live_on_the_admin_listener_only() {
    let services = ExampleServices::start().await;
    let mut config = gateway_config(&services.endpoints());
    config.admin.operator_token = Some(Secret::new(TOKEN));
    config.admin.service_token = Some(Secret::new(SERVICE_TOKEN));
    let gw = RunningGateway::start_ready(config).await;
    for (path, body) in [("/admin/preview", preview_body(&["usage"], false)), ("/admin/validate", "{}".to_owned())] {
        let (status, refused) = admin_post(&gw, path, None, body.clone()).await;
        assert_eq!((status, refused["error"]["code"].as_str()), (401, Some("invalid_admin_token")), "{path}");
        let (status, _) = admin_post(&gw, path, Some("wrong"), body.clone()).await;
        assert_eq!(status, 401, "{path}");
        let (status, refused) = admin_post(&gw, path, Some(SERVICE_TOKEN), body.clone()).await;
        assert_eq!((status, refused["error"]["code"].as_str()), (403, Some("operator_token_required")), "{path}");
        let on_plain = gw.client().post(gw.url(path)).bearer_auth(TOKEN).body(body).send().await.expect("answer");
        assert_eq!(on_plain.status(), 404, "{path} is not on Plain's listener");
    }
    let keys = gw
        .client()
        .get(format!("http://{}/admin/preview/keys", gw.admin_addr))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("answer");
    let keys: Value = keys.json().await.expect("JSON");
    let billing = gw.service_name(&services.billing.endpoint());
    assert_eq!(keys["cards"][0], json!({ "key": "latest-invoice", "title": "Latest invoice", "service": billing }));
    assert_eq!(keys["cards"].as_array().map(Vec::len), Some(4));
    // The page is static (no token) on the admin listener, never on Plain's.
    let page = gw.client().get(format!("http://{}/preview", gw.admin_addr)).send().await.expect("answer");
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-security-policy"].to_str().is_ok_and(|csp| csp.contains("script-src 'self'")));
    assert_eq!(gw.client().get(gw.url("/preview")).send().await.expect("answer").status(), 404);
    for asset in ["app.js", "cards.js", "dom.js", "markdown.js", "render.js", "preview.css"] {
        let response =
            gw.client().get(format!("http://{}/preview/{asset}", gw.admin_addr)).send().await.expect("answer");
        assert_eq!(response.status(), 200, "{asset}");
    }
    let missing = gw.client().get(format!("http://{}/preview/nope.js", gw.admin_addr)).send().await.expect("answer");
    assert_eq!(missing.status(), 404);

    // A bad preview request is refused as Plain's would be, naming the field.
    let bad = json!({ "cardKeys": ["bad key"], "customer": { "id": "c" }, "workspaceId": "w" }).to_string();
    let (status, refused) = admin_post(&gw, "/admin/preview", Some(TOKEN), bad).await;
    assert_eq!(status, 400, "{refused}");
    let typo = json!({ "cardKeys": ["usage"], "customer": { "id": "c" }, "workspace": "w" }).to_string();
    let (status, refused) = admin_post(&gw, "/admin/preview", Some(TOKEN), typo).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (400, Some("invalid_body")), "{refused}");
}

#[tokio::test]
async fn the_preview_endpoints_are_off_without_an_operator_token() {
    let services = ExampleServices::start().await;
    let mut config = gateway_config(&services.endpoints());
    config.admin.service_token = Some(Secret::new(SERVICE_TOKEN));
    let gw = RunningGateway::start_ready(config).await;
    for token in [TOKEN, SERVICE_TOKEN] {
        let (status, off) = admin_post(&gw, "/admin/preview", Some(token), preview_body(&["usage"], false)).await;
        assert_eq!((status, off["error"]["code"].as_str()), (404, Some("not_found")));
    }
}

#[tokio::test]
async fn validate_reports_each_violation_with_its_json_path() {
    let mut config = gateway_config(&[]);
    config.admin.operator_token = Some(Secret::new(TOKEN));
    let gw = RunningGateway::start(config).await;
    let doc = json!({ "cards": [{ "key": "k", "components": [{ "componentBadge": { "badgeLabel": "x", "badgeColor": "PINK" } }] }] });
    let (status, answer) = admin_post(&gw, "/admin/validate", Some(TOKEN), doc.to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(answer["valid"], false);
    assert_eq!(answer["violations"][0]["path"], "cards[0].components[0].componentBadge.badgeColor");
    let (_, answer) = admin_post(&gw, "/admin/validate", Some(TOKEN), "not json".to_owned()).await;
    assert_eq!(answer["violations"][0]["path"], "$");
    let valid = json!({ "cards": [{ "key": "k", "components": null }] });
    let (_, answer) = admin_post(&gw, "/admin/validate", Some(TOKEN), valid.to_string()).await;
    assert_eq!(answer, json!({ "valid": true, "violations": [] }));
}

mod actions {
    //! `POST /admin/preview/action`: a card's action run as a preview run against the test
    //! customer, behind the operator token, outside Plain's path (no idempotency record, no
    //! reload in Plain).

    use cardmesh_tests::action_service::{
        post_action, workflow_body, ActionStack, CARD, EMAIL, EXTEND_TRIAL, FAIL_ONCE, REFUSE, THREAD,
    };

    use super::*;

    async fn start() -> ActionStack {
        ActionStack::start(|config| {
            config.admin.operator_token = Some(Secret::new(TOKEN));
            config.admin.service_token = Some(Secret::new(SERVICE_TOKEN));
        })
        .await
    }

    fn run_body(action: &str) -> String {
        json!({
            "action": action,
            "workspaceId": "w_test",
            "customer": { "id": "c_test_1", "email": "ada@example.com", "externalId": "cus_ada" },
            "thread": { "id": "th_test_1" },
            "body": { "days": 3 },
        })
        .to_string()
    }

    #[tokio::test]
    async fn keys_list_the_actions_with_the_cards_they_change() {
        let s = start().await;
        let response =
            s.gw.client()
                .get(format!("http://{}/admin/preview/keys", s.gw.admin_addr))
                .bearer_auth(TOKEN)
                .send()
                .await
                .expect("answer");
        let keys: Value = response.json().await.expect("JSON");
        let actions = keys["actions"].as_array().expect("actions");
        let extend = actions.iter().find(|a| a["name"] == EXTEND_TRIAL).unwrap_or_else(|| panic!("{keys}"));
        assert_eq!(extend["changesCards"], json!([CARD]), "{keys}");
        assert_eq!(extend["service"], s.gw.service_name(&s.service.endpoint), "{keys}");
        assert!(extend["description"].as_str().is_some_and(|d| !d.is_empty()), "{keys}");
    }

    #[tokio::test]
    async fn a_preview_run_reaches_the_service_marked_as_preview_each_time_and_plain_is_not_asked() {
        let s = start().await;
        for _ in 0..2 {
            let (status, answer) =
                admin_post(&s.gw, "/admin/preview/action", Some(TOKEN), run_body(EXTEND_TRIAL)).await;
            assert_eq!(status, 200, "{answer}");
            assert_eq!(
                answer,
                json!({ "action": EXTEND_TRIAL, "outcome": "succeeded", "message": "Trial extended by 3 days", "preview": true })
            );
        }
        // No idempotency record: the same run twice reaches the service twice, each a preview
        // run with a key of its own, for the customer and thread as the page gave them.
        let calls = s.service.calls();
        assert_eq!(calls.len(), 2);
        for call in &calls {
            assert!(call.preview, "{call:?}");
            assert!(call.idempotency_key.starts_with("preview-"), "{call:?}");
            let customer = call.customer.as_ref().expect("customer");
            assert_eq!((customer.id.as_str(), customer.external_id.as_deref()), ("c_test_1", Some("cus_ada")));
            assert_eq!(call.thread.as_ref().map(|t| t.id.as_str()), Some("th_test_1"));
            assert_eq!(serde_json::from_str::<Value>(&call.body_json).expect("JSON"), json!({ "days": 3 }));
        }
        assert_ne!(calls[0].idempotency_key, calls[1].idempotency_key);

        // Plain's own delivery afterwards runs (the previews left no record) and is the only
        // one that makes Plain reload the card.
        let url = format!("http://{}/actions/{EXTEND_TRIAL}", s.gw.addr);
        let real = post_action(s.gw.client(), &url, &workflow_body(THREAD, EMAIL), Some(SECRET)).await;
        assert_eq!(real.status, 200, "{}", real.json);
        assert!(!real.replayed);
        let plain = &s.plain;
        wait_until("Plain asked to reload after the real run", Duration::from_secs(10), || async move {
            !plain.reloads().is_empty()
        })
        .await;
        assert_eq!(s.plain.reloads().len(), 1, "only Plain's delivery reloads");
        assert_eq!(s.service.calls().iter().filter(|c| !c.preview).count(), 1);
    }

    #[tokio::test]
    async fn refusals_failures_and_bad_requests_get_their_answers() {
        let s = start().await;
        let (status, refused) = admin_post(&s.gw, "/admin/preview/action", Some(TOKEN), run_body(REFUSE)).await;
        assert_eq!(status, 200, "{refused}");
        assert_eq!(refused["outcome"], "refused");
        assert_eq!(refused["reason"], "no trial to extend");

        let (status, failed) = admin_post(&s.gw, "/admin/preview/action", Some(TOKEN), run_body(FAIL_ONCE)).await;
        assert_eq!((status, &failed["error"]["code"]), (503, &json!("action_failed")), "{failed}");

        let (status, unknown) = admin_post(&s.gw, "/admin/preview/action", Some(TOKEN), run_body("no-such")).await;
        assert_eq!((status, &unknown["error"]["code"]), (404, &json!("unknown_action")), "{unknown}");

        let (status, answer) = admin_post(&s.gw, "/admin/preview/action", None, run_body(EXTEND_TRIAL)).await;
        assert_eq!((status, &answer["error"]["code"]), (401, &json!("invalid_admin_token")), "{answer}");
        let (status, answer) =
            admin_post(&s.gw, "/admin/preview/action", Some(SERVICE_TOKEN), run_body(EXTEND_TRIAL)).await;
        assert_eq!((status, &answer["error"]["code"]), (403, &json!("operator_token_required")), "{answer}");

        let extra = run_body(EXTEND_TRIAL).replacen('{', r#"{"idempotencyKey": "x", "#, 1);
        let (status, answer) = admin_post(&s.gw, "/admin/preview/action", Some(TOKEN), extra).await;
        assert_eq!((status, &answer["error"]["code"]), (400, &json!("invalid_body")), "{answer}");
        assert!(answer["error"]["message"].as_str().is_some_and(|m| m.contains("idempotencyKey")), "{answer}");

        let nobody = json!({ "action": EXTEND_TRIAL, "workspaceId": "w_test", "customer": { "id": "" } }).to_string();
        let (status, answer) = admin_post(&s.gw, "/admin/preview/action", Some(TOKEN), nobody).await;
        assert_eq!((status, &answer["error"]["code"]), (400, &json!("invalid_field")), "{answer}");
        assert_eq!(answer["error"]["field"], "customer", "{answer}");

        // None of these reached the service but the refusal and the failure.
        assert_eq!(s.service.calls().len(), 2);
        // The preview is on the admin listener only.
        let on_plain = s.gw.client().post(s.gw.url("/admin/preview/action")).body(run_body(EXTEND_TRIAL));
        assert_eq!(on_plain.bearer_auth(TOKEN).send().await.expect("answer").status(), 404);
    }
}
