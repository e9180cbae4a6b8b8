//! The gateway's shared state, built once at startup, and the driver of one Plain request
//! ([`Gateway::answer`]): it runs the stages of [`crate::request`] in order, [planning](crate::request::plan),
//! the background [fetch](crate::request::fetch), [assembly](crate::request::assemble), then
//! [the answer](crate::request::answer).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tracing::{Instrument, Span};

use crate::access::Access;
use crate::cache::CardCache;
use crate::config::Config;
use crate::discovery::CardRouter;
use crate::error::GatewayError;
use crate::fanout::{BackendError, Backends};
use crate::plain::{CardKeys, CardRequest, ResponseBody};
use crate::request::answer::{record_served, Answer};
use crate::request::assemble::{Assembled, Assembler, FallbackCards};
use crate::request::fetch::{self, DrawJob, DrawSettings};
use crate::request::plan::{Asker, Assignment, Planner};
use crate::request::single_flight::Flights;
use crate::telemetry::{GatewayMetrics, RequestSpanSlot};
use crate::verify::SignatureVerifier;

/// Everything a request needs, built once at startup.
pub struct Gateway {
    config: Config,
    verifier: SignatureVerifier,
    router: Arc<CardRouter>,
    fallback: FallbackCards,
    cache: Option<Arc<CardCache>>,
    flights: Arc<Flights>,
    access: Access,
    tls: Option<Arc<rustls::ServerConfig>>,
    metrics: Arc<GatewayMetrics>,
    plain_client: Option<Arc<crate::plain_client::PlainClient>>,
    /// Card actions (`POST /actions/{name}`), with their idempotency records.
    actions: crate::actions::Actions,
    /// Set once a shutdown signal has arrived: `/readyz` then answers 503 `shutting_down`.
    shutting_down: AtomicBool,
}

/// A setting that cannot be used at startup.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("services: cannot use endpoint {0}")]
    Backend(#[from] BackendError),
    #[error("tls: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("{0}")]
    Cache(#[from] crate::cache::CacheSetupError),
    #[error("{0}")]
    RedisUnavailable(#[from] crate::cache::RedisUnavailable),
}

/// How long beyond the request's budget assembly waits for drawn cards (rendering and
/// scheduling).
const WAIT_MARGIN: Duration = Duration::from_millis(500);

impl Gateway {
    /// Builds the gateway from a validated config. Services and Redis connect lazily, so
    /// the gateway starts while they are down. Must run inside a tokio runtime.
    pub fn new(config: Config) -> Result<Arc<Self>, StartupError> {
        let backends = Backends::new(&config.services, &config.fanout, &config.card_services)?;
        Self::with_backends(config, backends)
    }

    /// [`Self::new`] with card services reached through `backends` instead of
    /// `config.services` (e.g. in-memory transports in tests).
    pub fn with_backends(config: Config, backends: Backends) -> Result<Arc<Self>, StartupError> {
        let router = CardRouter::new(backends, config.discovery.clone());
        let cache = CardCache::from_config(&config)?.map(Arc::new);
        let tls = config.tls.server_config()?;
        let metrics = Arc::new(GatewayMetrics::new());
        let plain_client = crate::plain_client::PlainClient::new(&config.plain_api).map(Arc::new);
        let actions = crate::actions::Actions::new(
            config.actions.clone(),
            router.clone(),
            cache.clone(),
            plain_client.clone(),
            metrics.clone(),
        );
        Ok(Arc::new(Self {
            access: Access::new(&config),
            tls,
            verifier: SignatureVerifier::new(config.signing_secrets.clone(), config.allow_unsigned)
                .with_max_age(config.signature.max_age),
            fallback: FallbackCards::new(&config.fallback),
            router,
            cache,
            flights: Arc::new(Flights::default()),
            metrics,
            plain_client,
            actions,
            shutting_down: AtomicBool::new(false),
            config,
        }))
    }

    /// With `cache.required_to_start`, waits until Redis answers (at most
    /// `cache.start_timeout`) and fails naming Redis and the problem; else returns at once
    /// (Redis is connected to on first use). Call it after [`Self::new`], before listening.
    pub async fn connect_cache(&self) -> Result<(), StartupError> {
        let settings = &self.config.cache;
        if let (true, Some(cache)) = (settings.required_to_start, &self.cache) {
            cache.wait_for_redis(settings.start_timeout).await?;
            tracing::info!("Redis answered (cache.required_to_start)");
        }
        Ok(())
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Marks the gateway as shutting down, for good: `/readyz` answers 503 `shutting_down`
    /// from now on, while the listeners keep serving ([`crate::http::run`] decides how long).
    /// True the first time only.
    pub fn begin_shutdown(&self) -> bool {
        !self.shutting_down.swap(true, Ordering::Relaxed)
    }

    /// True once [`Self::begin_shutdown`] has been called.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Relaxed)
    }

    pub fn verifier(&self) -> &SignatureVerifier {
        &self.verifier
    }

    /// Required headers and rate limits.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The TLS configuration of the Plain endpoint, when it terminates TLS.
    pub fn tls(&self) -> Option<&Arc<rustls::ServerConfig>> {
        self.tls.as_ref()
    }

    pub fn router(&self) -> &Arc<CardRouter> {
        &self.router
    }

    /// The response cache, unless disabled.
    pub fn cache(&self) -> Option<&Arc<CardCache>> {
        self.cache.as_ref()
    }

    /// The gateway's counters and histograms.
    pub fn metrics(&self) -> &Arc<GatewayMetrics> {
        &self.metrics
    }

    /// Card reloads in Plain after an invalidation, when `plain_api.api_key` is set.
    pub fn plain_client(&self) -> Option<&Arc<crate::plain_client::PlainClient>> {
        self.plain_client.as_ref()
    }

    /// Card actions ([`crate::actions`]).
    pub fn actions(&self) -> &crate::actions::Actions {
        &self.actions
    }

    /// Every metric, with the cache's counters, in the Prometheus text format.
    pub fn render_metrics(&self) -> String {
        let mut text = self.metrics.render(self.cache.as_ref().map(|c| c.stats().snapshot()));
        if let Some(plain_api) = &self.plain_client {
            text.push_str(&plain_api.render_metrics());
        }
        text
    }

    /// Answers one request in two steps: planning (route lookup, cached cards
    /// in one round trip, single flight for the misses), then, after starting the draw of
    /// the cards this request leads, assembly (stale copies or fallback
    /// cards for what failed, the 503 rule, size fitting). 503 only when every card failed
    /// because its service was unreachable and no stale copy was left.
    ///
    /// `request_span` is the request's span: made (while tracing is off) only when the
    /// answer needs more than the cache, so that what is logged on the way carries the
    /// request's trace id.
    pub async fn answer(
        &self,
        request: &CardRequest,
        keys: &CardKeys,
        workspace_id: &str,
        request_span: &RequestSpanSlot<'_>,
        asker: Asker,
    ) -> Result<Answer, GatewayError> {
        self.answer_as(request, keys, workspace_id, request_span, None, asker).await
    }

    /// [`Self::answer`] for the card preview, with the `CardProvenance`
    /// of every card in [`Answer::provenance`]: the same answer, plus where each card came
    /// from. With `bypass_cache`, fresh cached cards are not used: every routed card is drawn
    /// again, and stale copies still stand in for failed cards.
    ///
    /// The preview only ever reads the cache Plain's answers are served from: the cards it
    /// draws are never stored, and it draws them on its own, never sharing a draw with Plain's
    /// requests (whose customer, email or workspace it could otherwise have chosen).
    pub async fn answer_with_provenance(
        &self,
        request: &CardRequest,
        keys: &CardKeys,
        workspace_id: &str,
        request_span: &RequestSpanSlot<'_>,
        bypass_cache: bool,
    ) -> Result<Answer, GatewayError> {
        self.answer_as(request, keys, workspace_id, request_span, Some(bypass_cache), Asker::Probe).await
    }

    /// `provenance`: `None` on Plain's path (nothing extra collected, the cache used),
    /// `Some(bypass_cache)` to collect provenance. Only [`Asker::Plain`] is kept in the served
    /// ledger.
    async fn answer_as(
        &self,
        request: &CardRequest,
        keys: &CardKeys,
        workspace_id: &str,
        request_span: &RequestSpanSlot<'_>,
        provenance: Option<bool>,
        asker: Asker,
    ) -> Result<Answer, GatewayError> {
        let with_provenance = provenance.is_some();
        let table = self.router.table();
        let planner = Planner {
            table: &table,
            cache: self.cache.as_ref(),
            flights: &self.flights,
            bypass_cache: provenance == Some(true),
            alone: with_provenance,
            ledger: asker == Asker::Plain && !with_provenance,
            metrics: &self.metrics,
        };
        let mut plan = planner.plan(request, keys.as_slice(), workspace_id).await;
        let (hits, misses) = (plan.hits, plan.misses);
        let ledger = plan.ledger.take();
        let assembler = Assembler {
            cache: self.cache.as_deref(),
            fallback: &self.fallback,
            metrics: &self.metrics,
            stale_ttl_seconds: self.config.fallback.ttl_seconds,
            max_response_bytes: self.config.limits.max_response_bytes,
            wait_limit: self.deadline() + WAIT_MARGIN,
            span: request_span,
        };
        // Every card known already (the usual case: all cache hits): nothing to wait for,
        // and nothing to log unless the answer is too big.
        let assembled = if plan.is_settled() {
            crate::telemetry::record_on_current("cache_stale", 0);
            assembler.settled(plan.cards, with_provenance)
        } else {
            let span = request_span.get();
            if !plan.assignments.is_empty() {
                // The preview's cards are never stored (see `answer_with_provenance`).
                let store = if with_provenance { None } else { self.cache.clone() };
                self.spawn_draw(request, workspace_id, plan.assignments, store, span);
            }
            assembler.wait(plan.cards, with_provenance).instrument(span.clone()).await?
        };
        let Assembled { cards, stale, provenance } = assembled;
        if let (Some(cache), Some(ledger)) = (&self.cache, ledger) {
            record_served(cache, ledger, &cards);
        }
        Ok(Answer { body: ResponseBody::build(&cards), hits, misses, stale, provenance })
    }

    /// Draws the cards this request leads in the background ([`fetch::spawn_draw`]), so that
    /// a client going away does not cancel a call other requests wait for. Good cards go to
    /// `store`.
    fn spawn_draw(
        &self,
        request: &CardRequest,
        workspace_id: &str,
        assignments: Vec<Assignment>,
        store: Option<Arc<CardCache>>,
        span: &Span,
    ) {
        let job = DrawJob {
            backends: self.router.backends().clone(),
            cache: store,
            settings: DrawSettings {
                default_ttl: self.config.cache.default_ttl,
                max_card_bytes: self.config.limits.max_card_bytes,
            },
            request: request.clone(),
            workspace_id: workspace_id.to_owned(),
            assignments,
            deadline: self.deadline(),
            metrics: self.metrics.clone(),
        };
        fetch::spawn_draw(job, span);
    }

    /// The budget of the service calls of one request (each attempt has its own, shorter
    /// deadline in its service's stack).
    fn deadline(&self) -> Duration {
        self.config.fanout.overall_budget
    }
}
