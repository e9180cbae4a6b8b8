use cardmesh_kit::build::*;
use cardmesh_kit::{Card, CardContext, CardProvider, Customer};

use super::*;

fn ctx(external_id: Option<&str>, email: &str) -> CardContext {
    CardContext {
        workspace_id: "w_1".into(),
        customer: Customer { id: "c_1".into(), email: Some(email.into()), external_id: external_id.map(Into::into) },
        thread: None,
        tenant: None,
    }
}

#[test]
fn embedded_fixture_is_valid() {
    let cards = AccountsCards::from_fixture_json(EMBEDDED).expect("embedded fixture parses");
    assert!(cards.customers.len() >= 2);
}

#[test]
fn describes_the_details_card() {
    let specs = AccountsCards::embedded().cards();
    assert_eq!(specs.len(), 1);
    assert_eq!(specs[0].key, CUSTOMER_DETAILS);
    assert_eq!(specs[0].default_ttl.as_secs(), 3600);
}

#[tokio::test]
async fn known_customer_gets_details() {
    let card = AccountsCards::embedded().card(CUSTOMER_DETAILS, &ctx(Some("cus_demo_1"), "ada@example.com")).await;
    let expected: Vec<Component> = vec![
        row([plain_text("Ada Lovelace").size(TextSize::L)], [badge("Enterprise").color(BadgeColor::Blue)]).into(),
        plain_text("Analytical Engines Ltd").color(TextColor::Muted).into(),
        row(
            [text("Account ID").color(TextColor::Muted)],
            [
                RowContent::from(plain_text("acc_7Hq2LmX9")),
                copy_button("acc_7Hq2LmX9").tooltip("Copy account ID").into(),
            ],
        )
        .into(),
        row([text("Customer since").color(TextColor::Muted)], [date_time_iso8601("2021-03-14T09:30:00Z")]).into(),
        row([text("Account owner").color(TextColor::Muted)], [user_by_email("margaret@example.com")]).into(),
        link_button("Open in admin", "https://admin.example.com/accounts/acc_7Hq2LmX9").into(),
    ];
    assert_eq!(problems(&expected), Vec::<String>::new());
    assert_eq!(card, Card::Components { components: expected, ttl: None });
}

#[tokio::test]
async fn found_by_email_and_company_is_optional() {
    let cards = AccountsCards::embedded();
    let by_email = cards.card(CUSTOMER_DETAILS, &ctx(None, "GRACE@example.com")).await;
    let by_id = cards.card(CUSTOMER_DETAILS, &ctx(Some("cus_demo_2"), "")).await;
    assert_eq!(by_email, by_id);
    let Card::Components { components, .. } = by_email else {
        panic!("grace has an account");
    };
    assert_eq!(components.len(), 4, "no company line");
    assert!(format!("{components:?}").contains("Grace Hopper"));
}

#[tokio::test]
async fn no_account_or_unknown_customer_gives_no_data() {
    let cards = AccountsCards::embedded();
    assert_eq!(cards.card(CUSTOMER_DETAILS, &ctx(None, "linus@example.com")).await, Card::NoData);
    assert_eq!(cards.card(CUSTOMER_DETAILS, &ctx(Some("cus_x"), "x@example.com")).await, Card::NoData);
    let answers = cards.get_cards(&["usage".to_string()], &ctx(Some("cus_demo_1"), "")).await;
    assert_eq!(answers, vec![("usage".to_string(), Card::NoData)]);
}

fn error_of(json: &str) -> String {
    format!("{:#}", AccountsCards::from_fixture_json(json).expect_err("fixture should be rejected"))
}

const ACCOUNT: &str = r#"{"accountId": "acc_1", "name": "Ada", "tier": "pro", "signupDate": "2024-01-01T00:00:00Z", "adminUrl": "https://admin.example.com/a"}"#;

fn with_account(account: &str) -> String {
    format!(r#"{{"customers": [{{"externalId": "a", "account": {account}}}]}}"#)
}

#[test]
fn bad_fixtures_are_rejected_with_the_reason() {
    let error = error_of(&with_account(&ACCOUNT.replace(r#""pro""#, r#""platinum""#)));
    assert!(error.contains("unknown variant `platinum`"), "{error}");

    let error = error_of(&with_account(&ACCOUNT.replace(r#""Ada""#, r#""""#)));
    assert!(error.contains("customers[0]") && error.contains("account.name must not be empty"), "{error}");

    let error = error_of(&with_account(&ACCOUNT.replace("https://", "javascript://")));
    assert!(error.contains("adminUrl must be an https:// URL"), "{error}");

    let long_id = ACCOUNT.replace("acc_1", &"a".repeat(1001));
    let error = error_of(&with_account(&long_id));
    assert!(
        error.contains("componentCopyButton.copyButtonValue: must be at most 1000 characters; got 1001"),
        "{error}"
    );

    let error = error_of(&with_account(&ACCOUNT.replace("2024-01-01T00:00:00Z", "2024-01-01")));
    assert!(error.contains("componentDateTime.dateTimeIso8601: must be an RFC 3339 date-time"), "{error}");

    let error = error_of(r#"{"customers": [{"email": "a@example.com"}, {"email": "A@EXAMPLE.COM"}]}"#);
    assert!(error.contains("customers[1]") && error.contains("email already belongs to record 0"), "{error}");
    assert!(!error.contains("a@example.com"), "emails stay out of errors: {error}");

    let error = error_of(r#"{"customers": [{"externalId": 7}]}"#);
    assert!(error.contains("invalid type: integer `7`, expected a string"), "{error}");
}
