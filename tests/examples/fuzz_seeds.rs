//! Writes the seed corpora of the fuzz targets (`fuzz/corpus/<target>/`) from real inputs:
//!
//! - `request`: Plain card requests (headers, empty line, body) signed with the fuzz
//!   targets' secret, plus a few that the gateway refuses;
//! - `card_proto`: the example services' encoded `GetCardsResponse` for the demo customers,
//!   and a card with all ten components;
//! - `card_json`: the same answers rendered by the gateway into Plain response documents,
//!   plus documents that break Plain's rules.
//!
//! ```text
//! cargo run -p cardmesh-tests --example fuzz_seeds
//! ```
//!
//! Files are overwritten, never deleted; names are stable, so an unchanged input rewrites
//! the same file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cardmesh_gateway::discovery::{CardInfo, Scope};
use cardmesh_gateway::plain::{CardJson, ResponseBody};
use cardmesh_gateway::request::fetch::render_result;
use cardmesh_gateway::verify::sign;
use cardmesh_kit::build::*;
use cardmesh_kit::proto::card_service_server::CardService;
use cardmesh_kit::proto::{self, card_result::Outcome, CardComponents, GetCardsResponse};
use cardmesh_kit::{CardProvider, CardServer};
use prost::Message;
use serde_json::json;

/// The secret the `request` fuzz target accepts (`fuzz/fuzz_targets/request.rs`).
const FUZZ_SECRET: &str = "fuzz-secret";

/// The demo customers of the example fixtures, and one nobody knows.
const CUSTOMERS: [(&str, Option<&str>, &str); 4] = [
    ("ada", Some("cus_demo_1"), "ada@example.com"),
    ("grace", Some("cus_demo_2"), "grace@example.com"),
    ("linus", None, "linus@example.com"),
    ("unknown", Some("cus_nobody"), "nobody@example.com"),
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    // An input already written for the same target is skipped (e.g. two "no data" answers).
    let mut seen: HashSet<(String, Vec<u8>)> = HashSet::new();
    let mut write = |target: &str, name: &str, bytes: &[u8]| -> anyhow::Result<()> {
        if !seen.insert((target.to_owned(), bytes.to_vec())) {
            return Ok(());
        }
        let dir: PathBuf = corpus.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), bytes)?;
        Ok(())
    };

    for (name, body) in request_bodies() {
        let signed = format!(
            "content-type: application/json\nplain-workspace-id: w_demo\n\
             plain-request-signature: {}\n\n{body}",
            sign(FUZZ_SECRET, body.as_bytes())
        );
        write("request", &format!("{name}.txt"), signed.as_bytes())?;
    }
    let body = r#"{"cardKeys":["usage"],"customer":{"id":"c_1"}}"#;
    write("request", "unsigned.txt", format!("content-type: application/json\n\n{body}").as_bytes())?;
    let text =
        format!("content-type: text/plain\nplain-request-signature: {}\n\n{body}", sign(FUZZ_SECRET, body.as_bytes()));
    write("request", "wrong-content-type.txt", text.as_bytes())?;
    write("request", "body-only.json", body.as_bytes())?;

    let billing = CardServer::new(billing_service::BillingCards::embedded());
    let usage = CardServer::new(usage_service::UsageCards::embedded());
    let accounts = CardServer::new(accounts_service::AccountsCards::embedded());
    for (who, external_id, email) in CUSTOMERS {
        let mut answers = Vec::new();
        answers.push(("billing", answer(&billing, &billing_keys(), external_id, email).await?));
        answers.push(("usage", answer(&usage, &[usage_service::USAGE], external_id, email).await?));
        answers.push(("accounts", answer(&accounts, &[accounts_service::CUSTOMER_DETAILS], external_id, email).await?));
        let mut cards = Vec::new();
        for (service, response) in &answers {
            write("card_proto", &format!("{service}-{who}.pb"), &response.encode_to_vec())?;
            cards.extend(response.results.iter().filter_map(|result| {
                render_result(&card_info(&result.key), Some(result), usize::MAX).ok().map(|(card, _)| card)
            }));
        }
        write("card_json", &format!("example-cards-{who}.json"), response_document(&cards).as_bytes())?;
    }

    let rich = GetCardsResponse {
        results: vec![
            proto::CardResult {
                key: "all-components".into(),
                time_to_live_seconds: Some(60),
                outcome: Some(Outcome::Components(CardComponents { components: all_components() })),
            },
            proto::CardResult {
                key: "nothing".into(),
                time_to_live_seconds: None,
                outcome: Some(Outcome::NoData(proto::NoData {})),
            },
            proto::CardResult {
                key: "broken".into(),
                time_to_live_seconds: None,
                outcome: Some(Outcome::Error(proto::CardError { reason: "backend timed out".into() })),
            },
        ],
    };
    write("card_proto", "all-components.pb", &rich.encode_to_vec())?;
    let cards: Vec<CardJson> = rich
        .results
        .iter()
        .filter_map(|r| render_result(&card_info(&r.key), Some(r), usize::MAX).ok().map(|(card, _)| card))
        .collect();
    write("card_json", "all-components.json", response_document(&cards).as_bytes())?;

    for (name, doc) in invalid_documents() {
        write("card_json", &format!("{name}.json"), serde_json::to_string_pretty(&doc)?.as_bytes())?;
    }
    println!("wrote {} seed files under fuzz/corpus/", seen.len());
    Ok(())
}

fn billing_keys() -> [&'static str; 2] {
    [billing_service::SUBSCRIPTION_STATUS, billing_service::LATEST_INVOICE]
}

/// Request bodies the gateway accepts (and one with a bad key), as Plain sends them.
fn request_bodies() -> Vec<(&'static str, String)> {
    vec![
        (
            "plain-example",
            json!({
                "cardKeys": ["subscription-status", "usage"],
                "customer": { "id": "c_01H", "email": "ada@example.com", "externalId": "cus_demo_1" },
                "thread": { "id": "th_01H", "externalId": null },
                "tenant": { "id": "te_01H", "externalId": "acme" },
            })
            .to_string(),
        ),
        (
            "all-example-keys",
            json!({
                "cardKeys": ["subscription-status", "latest-invoice", "usage", "customer-details"],
                "customer": { "id": "c_2", "email": "grace@example.com", "externalId": "cus_demo_2" },
                "thread": null,
            })
            .to_string(),
        ),
        (
            "duplicates-and-unknown-fields",
            r#"{"cardKeys":["usage","usage","customer-details"],"customer":{"id":"c_3","email":"linus@example.com","future":[1,{"a":null}]},"somethingNew":true}"#.to_owned(),
        ),
        ("bad-key", r#"{"cardKeys":["usage","no spaces"],"customer":{"id":"c_4"}}"#.to_owned()),
        ("no-keys", r#"{"cardKeys":[],"customer":{"id":"c_5","email":""}}"#.to_owned()),
        (
            "null-email-and-timestamp",
            json!({
                "cardKeys": ["customer-details", "latest-invoice"],
                "customer": { "id": "c_6", "email": null, "externalId": "cus_demo_1" },
                "thread": null,
                "tenant": { "id": "te_6", "externalId": null },
                "timestamp": "2025-05-23T13:09:39.820Z",
            })
            .to_string(),
        ),
        ("no-email-no-external-id", r#"{"cardKeys":["usage"],"customer":{"id":"c_7"}}"#.to_owned()),
    ]
}

/// The `GetCards` answer of `server` for one customer.
async fn answer<P: CardProvider>(
    server: &CardServer<P>,
    keys: &[&str],
    external_id: Option<&str>,
    email: &str,
) -> anyhow::Result<GetCardsResponse> {
    let request = proto::GetCardsRequest {
        card_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        workspace_id: "w_demo".into(),
        customer: Some(proto::Customer {
            id: "c_demo".into(),
            email: Some(email.into()),
            external_id: external_id.map(str::to_owned),
        }),
        thread: Some(proto::Thread { id: "th_demo".into(), external_id: None }),
        tenant: None,
    };
    Ok(server.get_cards(tonic::Request::new(request)).await?.into_inner())
}

fn card_info(key: &str) -> CardInfo {
    CardInfo {
        key: key.to_owned(),
        title: key.to_owned(),
        default_ttl_seconds: None,
        scope: Scope::Customer,
        service: 0,
        service_name: Arc::from("seeds"),
    }
}

/// `{"cards":[...]}`, pretty-printed so the seed is readable.
fn response_document(cards: &[CardJson]) -> String {
    let doc: serde_json::Value = serde_json::from_str(&ResponseBody::build(cards)).expect("JSON");
    serde_json::to_string_pretty(&doc).expect("a value serialises")
}

/// One of each of the ten components, with every optional field set somewhere.
fn all_components() -> Vec<Component> {
    vec![
        text("**Pro** plan").size(TextSize::L).color(TextColor::Success).into(),
        plain_text("Renews 1 July — ünïcödé ✓").size(TextSize::S).color(TextColor::Muted).into(),
        badge("Active").color(BadgeColor::Green).into(),
        link_button("Open", "https://example.com/a?b=1#c").into(),
        copy_button("inv_123").tooltip("Copy invoice id").into(),
        divider().spacing(SpacingSize::Xl).into(),
        spacer(SpacingSize::Xs).into(),
        workflow_button_key("Refund", "refund").into(),
        date_time_iso8601("2026-03-01T09:30:00Z").into(),
        user_by_email("owner@example.com").into(),
        text(format!("Owner {}", inline::user_id("u_1"))).into(),
        row([text("Seats")], [RowContent::from(badge("4 of 10").color(BadgeColor::Yellow)), copy_button("x").into()])
            .into(),
        container([
            ContainerContent::from(row([plain_text("a")], [workflow_button_id("Run", "wf_1")])),
            divider().into(),
            spacer(SpacingSize::M).into(),
            date_time_iso8601("2025-05-23T13:09:39.820+02:00").into(),
            machine_user("mu_1").into(),
            row([user_by_id("u_1")], Vec::<RowContent>::new()).into(),
        ])
        .into(),
    ]
}

/// Documents that break Plain's rules in the ways card APIs get them wrong.
fn invalid_documents() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        (
            "deprecated-aliases",
            json!({"cards": [{"key": "a", "components": [
                {"componentText": {"text": "x", "size": "L", "color": "MUTED"}},
                {"componentBadge": {"label": "b", "color": "blue"}},
                {"componentSpacer": {"spacingSize": "M"}},
            ]}]}),
        ),
        (
            "date-time-and-user",
            json!({"cards": [{"key": "d", "components": [
                {"componentDateTime": {"dateTimeIso8601": "2026-03-01"}},
                {"componentDateTime": {"dateTimeIso8601": 1_772_357_400}},
                {"componentUser": {"userIdentifier": {}}},
                {"componentUser": {"userIdentifier": {"userId": "u_1", "emailAddress": "a@b.c"}}},
                {"componentUser": {"userIdentifier": {"userId": null, "machineUserId": "mu"}}},
                {"componentRow": {"rowMainContent": [{"componentUser": {"userIdentifier": {"email": "x"}}}],
                    "rowAsideContent": [{"componentDateTime": {}}]}},
            ]}]}),
        ),
        (
            "bad-nesting",
            json!({"cards": [{"key": "b", "components": [
                {"componentContainer": {"containerContent": [
                    {"componentContainer": {"containerContent": [{"componentDivider": {}}]}},
                    {"componentRow": {"rowMainContent": [
                        {"componentRow": {"rowMainContent": [], "rowAsideContent": []}}
                    ], "rowAsideContent": []}},
                ]}},
                {"componentText": {"text": "a"}, "componentBadge": {"badgeLabel": "b"}},
            ]}]}),
        ),
        (
            "bad-fields",
            json!({"cards": [
                {"key": "c", "timeToLiveSeconds": -1, "components": [
                    {"componentLinkButton": {"linkButtonLabel": "", "linkButtonUrl": "/relative"}},
                    {"componentWorkflowButton": {"workflowButtonLabel": "w",
                        "workflowButtonWorkflowIdentifier": {"workflowId": "1", "workflowKey": "k"}}},
                    {"componentCopyButton": {"copyButtonValue": 5}},
                ]},
                {"key": "c", "timeToLiveSeconds": 1.5, "components": null},
                {"key": "bad key", "components": {}},
                [],
            ]}),
        ),
    ]
}
