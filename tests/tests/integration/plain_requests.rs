//! Requests in exactly the shapes Plain sends them, over real HTTP to a gateway in front of
//! the example services (real gRPC): `customer.email` null or absent, every `externalId`
//! null or absent, `thread` and `tenant` null or absent, the undocumented `timestamp` and
//! other unknown fields. Really broken bodies still get a 400 naming the field.

use cardmesh_tests::*;

const ALL_KEYS: [&str; 4] = ["usage", "subscription-status", "customer-details", "latest-invoice"];

async fn stack() -> (ExampleServices, RunningGateway) {
    let services = ExampleServices::start().await;
    let gateway = RunningGateway::start_ready(gateway_config(&services.endpoints())).await;
    (services, gateway)
}

/// Every requested key answered, none with the fallback card, the whole answer valid Plain.
fn assert_answered(answer: &Answer) {
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.keys(), ALL_KEYS);
    for card in answer.cards() {
        assert!(!is_fallback(card), "{card}");
    }
    let violations = cardmesh_rules::validate_response_for(&answer.json, &ALL_KEYS);
    assert!(violations.is_empty(), "{violations:?}");
}

/// Whether any component of `card`, at any depth, has the wrapper key `key`.
fn contains_component(value: &serde_json::Value, key: &str) -> bool {
    match value {
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k == key || contains_component(v, key)),
        serde_json::Value::Array(items) => items.iter().any(|v| contains_component(v, key)),
        _ => false,
    }
}

#[tokio::test]
async fn null_email_is_answered_with_cards_found_by_external_id() {
    let (_services, gw) = stack().await;
    let body = r#"{"cardKeys":["usage","subscription-status","customer-details","latest-invoice"],
        "customer":{"id":"c_01JNULLEMAIL","email":null,"externalId":"cus_demo_1"},
        "thread":null,"timestamp":"2025-05-23T13:09:39.820Z"}"#;
    let answer = gw.post_signed(body).await;
    assert_answered(&answer);
    let details = answer.card("customer-details");
    assert_eq!(
        details["components"][0]["componentRow"]["rowMainContent"][0]["componentPlainText"]["plainText"],
        "Ada Lovelace"
    );
    // The demo answer carries the two newest components.
    assert!(contains_component(details, "componentDateTime"), "{details}");
    assert!(contains_component(details, "componentUser"), "{details}");
    assert!(contains_component(answer.card("latest-invoice"), "componentDateTime"));
}

#[tokio::test]
async fn absent_email_and_null_external_ids_everywhere_are_answered() {
    let (_services, gw) = stack().await;
    // A contact created by an integration: no email, no external id. Nobody knows it, so
    // every card is "no data", but the request is served.
    let body = r#"{"cardKeys":["usage","subscription-status","customer-details","latest-invoice"],
        "customer":{"id":"c_01JNOBODY","externalId":null},
        "thread":{"id":"th_01J","externalId":null},
        "tenant":{"id":"te_01J","externalId":null},
        "timestamp":"2025-05-23T13:09:39.820Z"}"#;
    let answer = gw.post_signed(body).await;
    assert_answered(&answer);
    for card in answer.cards() {
        assert!(card["components"].is_null(), "{card}");
    }
}

#[tokio::test]
async fn absent_thread_null_tenant_and_unknown_fields_are_ignored() {
    let (_services, gw) = stack().await;
    let body = r#"{"cardKeys":["usage","subscription-status","customer-details","latest-invoice"],
        "customer":{"id":"c_01J","email":"ada@example.com","somethingNew":{"nested":[1,2]}},
        "tenant":null,"timestamp":"2025-05-23T13:09:39.820Z","version":2}"#;
    let answer = gw.post_signed(body).await;
    assert_answered(&answer);
    // Found by email (no external id).
    assert!(answer.card("customer-details")["components"].is_array());
}

#[tokio::test]
async fn really_broken_bodies_are_400_naming_the_field() {
    let (_services, gw) = stack().await;
    for (body, field) in [
        (r#"{"cardKeys":["usage"]}"#, "customer"),
        (r#"{"cardKeys":["usage"],"customer":{"id":5,"email":null}}"#, "customer.id"),
        (r#"{"cardKeys":"usage","customer":{"id":"c"}}"#, "cardKeys"),
        (r#"{"cardKeys":["usage"],"customer":{"id":"c","email":7}}"#, "customer.email"),
        (r#"{"cardKeys":["usage"],"customer":{"id":"c"},"thread":{"externalId":null}}"#, "thread.id"),
    ] {
        let answer = gw.post_signed(body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.json);
        assert_eq!(answer.json["error"]["field"], field, "{body}: {}", answer.json);
    }
}
