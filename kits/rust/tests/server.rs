//! `CardServer` over a real socket: Describe, GetCards, health and shutdown.

use std::net::SocketAddr;
use std::time::Duration;

use cardmesh_kit::build::{badge, text, BadgeColor};
use cardmesh_kit::proto::card_result::Outcome;
use cardmesh_kit::proto::card_service_client::CardServiceClient;
use cardmesh_kit::proto::{self, CardScope};
use cardmesh_kit::{serve_on, serve_on_with_metrics, Card, CardContext, CardProvider, CardSpec, Scope};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

struct Demo;

#[tonic::async_trait]
impl CardProvider for Demo {
    fn name(&self) -> &str {
        "demo"
    }

    fn cards(&self) -> Vec<CardSpec> {
        vec![
            CardSpec::new("hello", "Hello"),
            CardSpec::new("broken", "Broken").ttl(Duration::from_secs(60)).scope(Scope::Thread),
            CardSpec::new("empty", "Empty"),
        ]
    }

    async fn card(&self, key: &str, ctx: &CardContext) -> Card {
        match key {
            "hello" => Card::new([
                proto::Component::from(text(format!("Hello {}", ctx.customer.id))),
                badge("ok").color(BadgeColor::Green).into(),
            ])
            .with_ttl(Duration::from_secs(30)),
            "broken" => Card::error("backend unavailable"),
            _ => Card::no_data(),
        }
    }
}

struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

async fn start() -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve_on(Demo, listener, async move {
        let _ = stopped.await;
    }));
    Running { addr, stop, task }
}

async fn channel(addr: SocketAddr) -> Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect")
}

fn request(keys: &[&str]) -> proto::GetCardsRequest {
    proto::GetCardsRequest {
        card_keys: keys.iter().map(|k| k.to_string()).collect(),
        workspace_id: "w_1".into(),
        customer: Some(proto::Customer {
            id: "c_1".into(),
            email: Some("ada@example.com".into()),
            external_id: Some("cus_demo_1".into()),
        }),
        thread: None,
        tenant: None,
    }
}

#[tokio::test]
async fn describe_lists_the_cards() {
    let server = start().await;
    let mut client = CardServiceClient::connect(format!("http://{}", server.addr)).await.expect("connect");
    let described = client.describe(proto::DescribeRequest {}).await.expect("describe").into_inner();
    assert_eq!(described.service_name, "demo");
    let cards: Vec<(String, u32, i32)> =
        described.cards.iter().map(|c| (c.key.clone(), c.default_ttl_seconds, c.scope)).collect();
    assert_eq!(
        cards,
        vec![
            ("hello".into(), 300, CardScope::Customer as i32),
            ("broken".into(), 60, CardScope::Thread as i32),
            ("empty".into(), 300, CardScope::Customer as i32),
        ]
    );
    assert_eq!(described.cards[0].title, "Hello");
    let _ = server.stop.send(());
}

#[tokio::test]
async fn get_cards_answers_every_key_in_request_order() {
    let server = start().await;
    let mut client = CardServiceClient::new(channel(server.addr).await);
    let response =
        client.get_cards(request(&["unknown", "broken", "hello", "empty"])).await.expect("get_cards").into_inner();

    let keys: Vec<&str> = response.results.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["unknown", "broken", "hello", "empty"]);

    let [unknown, broken, hello, empty] = &response.results[..] else {
        panic!("expected four results, got {:?}", response.results);
    };
    assert_eq!(unknown.outcome, Some(Outcome::NoData(proto::NoData {})));
    assert_eq!(broken.outcome, Some(Outcome::Error(proto::CardError { reason: "backend unavailable".into() })));
    assert_eq!(empty.outcome, Some(Outcome::NoData(proto::NoData {})));
    assert_eq!(hello.time_to_live_seconds, Some(30));
    let Some(Outcome::Components(components)) = &hello.outcome else {
        panic!("hello should have components: {hello:?}");
    };
    assert_eq!(
        components.components,
        vec![proto::Component::from(text("Hello c_1")), badge("ok").color(BadgeColor::Green).into()]
    );
    let _ = server.stop.send(());
}

#[tokio::test]
async fn get_cards_without_customer_is_invalid_argument() {
    let server = start().await;
    let mut client = CardServiceClient::new(channel(server.addr).await);
    let mut bad = request(&["hello"]);
    bad.customer = None;
    let status = client.get_cards(bad).await.expect_err("rejected");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let _ = server.stop.send(());
}

#[tokio::test]
async fn health_reports_serving() {
    let server = start().await;
    let mut health = HealthClient::new(channel(server.addr).await);
    for service in ["", "cardmesh.v1.CardService"] {
        let answer =
            health.check(HealthCheckRequest { service: service.into() }).await.expect("health check").into_inner();
        assert_eq!(answer.status(), ServingStatus::Serving, "service {service:?}");
    }
    let _ = server.stop.send(());
}

/// On the shutdown signal the service reports NOT_SERVING at once, before it stops: a health
/// watch opened earlier sees it, for the server and for the card service.
#[tokio::test]
async fn health_turns_not_serving_as_soon_as_the_shutdown_begins() {
    let server = start().await;
    let channel = channel(server.addr).await;
    let mut watches = Vec::new();
    for service in ["", "cardmesh.v1.CardService"] {
        let mut watch = HealthClient::new(channel.clone())
            .watch(HealthCheckRequest { service: service.into() })
            .await
            .expect("health watch")
            .into_inner();
        let first = watch.message().await.expect("a status").expect("a status");
        assert_eq!(first.status(), ServingStatus::Serving, "service {service:?}");
        watches.push((service, watch));
    }

    server.stop.send(()).expect("server still running");
    for (service, watch) in &mut watches {
        let next = tokio::time::timeout(Duration::from_secs(30), watch.message())
            .await
            .expect("a status after the signal")
            .expect("the watch stays open")
            .expect("a status");
        assert_eq!(next.status(), ServingStatus::NotServing, "service {service:?}");
    }
    drop(watches);
    drop(channel);
    let result = tokio::time::timeout(Duration::from_secs(30), server.task)
        .await
        .expect("the server stops once the watches are gone")
        .expect("server task did not panic");
    assert!(result.is_ok(), "serve_on returned {result:?}");
}

#[tokio::test]
async fn shutdown_future_stops_the_server() {
    let server = start().await;
    // An open connection must not keep the server alive.
    let mut client = CardServiceClient::new(channel(server.addr).await);
    client.describe(proto::DescribeRequest {}).await.expect("describe");

    server.stop.send(()).expect("server still running");
    let result = tokio::time::timeout(Duration::from_secs(5), server.task)
        .await
        .expect("server stops within 5 s")
        .expect("server task did not panic");
    assert!(result.is_ok(), "serve_on returned {result:?}");

    let refused = tokio::net::TcpStream::connect(server.addr).await;
    assert!(refused.is_err(), "listener should be closed");
}

#[tokio::test]
async fn invalid_card_keys_fail_before_serving() {
    struct Bad;
    #[tonic::async_trait]
    impl CardProvider for Bad {
        fn name(&self) -> &str {
            "bad"
        }
        fn cards(&self) -> Vec<CardSpec> {
            vec![CardSpec::new("not ok", "Bad key")]
        }
        async fn card(&self, _key: &str, _ctx: &CardContext) -> Card {
            Card::NoData
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let error = serve_on(Bad, listener, std::future::pending()).await.expect_err("rejected");
    assert!(format!("{error:#}").contains("not ok"), "{error:#}");
}

#[tokio::test]
async fn metrics_count_calls_and_cards_by_outcome() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let metrics = TcpListener::bind("127.0.0.1:0").await.expect("bind metrics");
    let metrics_url = format!("http://{}/metrics", metrics.local_addr().expect("metrics addr"));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve_on_with_metrics(Demo, listener, metrics, async move {
        let _ = stopped.await;
    }));

    let mut client = CardServiceClient::new(channel(addr).await);
    client.get_cards(request(&["unknown", "broken", "hello", "empty", "hello"])).await.expect("get_cards");
    let mut bad = request(&["hello"]);
    bad.customer = None;
    client.get_cards(bad).await.expect_err("rejected");
    client.describe(proto::DescribeRequest {}).await.expect("describe");

    let response = reqwest::get(&metrics_url).await.expect("metrics answer");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.expect("metrics text");
    for line in [
        r#"cardmesh_kit_requests_total{code="ok",method="GetCards"} 1"#,
        r#"cardmesh_kit_requests_total{code="invalid_argument",method="GetCards"} 1"#,
        r#"cardmesh_kit_requests_total{code="ok",method="Describe"} 1"#,
        r#"cardmesh_kit_cards_total{card="hello",outcome="components"} 2"#,
        r#"cardmesh_kit_cards_total{card="broken",outcome="error"} 1"#,
        r#"cardmesh_kit_cards_total{card="empty",outcome="no_data"} 1"#,
        // A key the service does not declare is counted under `other`, never by its name.
        r#"cardmesh_kit_cards_total{card="other",outcome="no_data"} 1"#,
        "cardmesh_kit_get_cards_duration_seconds_count 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
    }
    assert!(!text.contains("unknown"), "{text}");

    let _ = stop.send(());
    let result = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("server stops within 5 s")
        .expect("server task did not panic");
    assert!(result.is_ok(), "{result:?}");
}
