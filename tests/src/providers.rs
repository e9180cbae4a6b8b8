//! Card services that misbehave on purpose, for fault tests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cardmesh_kit::build::{badge, link_button, text};
use cardmesh_kit::{Card, CardContext, CardProvider, CardSpec};

/// Serves one card after sleeping `delay` (to overrun the gateway's deadline).
pub struct SlowCards {
    pub key: &'static str,
    pub delay: Duration,
}

#[tonic::async_trait]
impl CardProvider for SlowCards {
    fn name(&self) -> &str {
        "slow"
    }
    fn cards(&self) -> Vec<CardSpec> {
        vec![CardSpec::new(self.key, "Slow card")]
    }
    async fn card(&self, _key: &str, _ctx: &CardContext) -> Card {
        tokio::time::sleep(self.delay).await;
        Card::new([text("late")])
    }
}

/// Serves one card after sleeping `delay`, and counts the draws that began, that finished,
/// and that were dropped before they finished: the caller gave up and the call was cancelled
/// (the kit draws inside the gRPC call, so a cancelled call drops the draw).
#[derive(Clone)]
pub struct CountedSlowCards {
    pub key: &'static str,
    pub delay: Duration,
    counts: Arc<SlowCounts>,
}

#[derive(Default)]
struct SlowCounts {
    began: AtomicUsize,
    finished: AtomicUsize,
    dropped: AtomicUsize,
}

impl CountedSlowCards {
    pub fn new(key: &'static str, delay: Duration) -> Self {
        Self { key, delay, counts: Arc::default() }
    }

    /// Draws that began.
    pub fn began(&self) -> usize {
        self.counts.began.load(Ordering::SeqCst)
    }

    /// Draws that slept their whole delay and answered.
    pub fn finished(&self) -> usize {
        self.counts.finished.load(Ordering::SeqCst)
    }

    /// Draws dropped before they finished.
    pub fn dropped(&self) -> usize {
        self.counts.dropped.load(Ordering::SeqCst)
    }
}

/// Counts a draw as dropped unless it was marked finished.
struct DrawGuard {
    counts: Arc<SlowCounts>,
    finished: bool,
}

impl Drop for DrawGuard {
    fn drop(&mut self) {
        let counter = if self.finished { &self.counts.finished } else { &self.counts.dropped };
        counter.fetch_add(1, Ordering::SeqCst);
    }
}

#[tonic::async_trait]
impl CardProvider for CountedSlowCards {
    fn name(&self) -> &str {
        "slow"
    }
    fn cards(&self) -> Vec<CardSpec> {
        vec![CardSpec::new(self.key, "Slow card")]
    }
    async fn card(&self, _key: &str, _ctx: &CardContext) -> Card {
        self.counts.began.fetch_add(1, Ordering::SeqCst);
        let mut guard = DrawGuard { counts: self.counts.clone(), finished: false };
        tokio::time::sleep(self.delay).await;
        guard.finished = true;
        Card::new([text("late")])
    }
}

/// Serves cards whose trees break Plain's rules, one way per key.
pub struct InvalidCards;

#[tonic::async_trait]
impl CardProvider for InvalidCards {
    fn name(&self) -> &str {
        "invalid"
    }
    fn cards(&self) -> Vec<CardSpec> {
        vec![
            CardSpec::new("label-too-long", "Label too long"),
            CardSpec::new("bad-url", "Bad URL"),
            CardSpec::new("empty-text", "Empty text"),
            CardSpec::new("reported-error", "Reported error"),
            CardSpec::new("too-big", "Too big"),
        ]
    }
    async fn card(&self, key: &str, _ctx: &CardContext) -> Card {
        match key {
            "label-too-long" => Card::new([badge("x".repeat(501))]),
            "bad-url" => Card::new([link_button("Open", "not a url")]),
            "empty-text" => Card::new([text("")]),
            // Valid for Plain, but about 50 KB rendered: over the default 32 KiB card limit.
            "too-big" => Card::new((0..10).map(|_| text("y".repeat(5000)))),
            _ => Card::error("database is down"),
        }
    }
}

/// Serves one simple card and counts `GetCards` keys drawn.
#[derive(Clone)]
pub struct CountingCards {
    pub name: &'static str,
    pub keys: Vec<&'static str>,
    pub calls: Arc<AtomicUsize>,
}

impl CountingCards {
    pub fn new(name: &'static str, keys: &[&'static str]) -> Self {
        Self { name, keys: keys.to_vec(), calls: Arc::new(AtomicUsize::new(0)) }
    }

    /// Cards drawn so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[tonic::async_trait]
impl CardProvider for CountingCards {
    fn name(&self) -> &str {
        self.name
    }
    fn cards(&self) -> Vec<CardSpec> {
        self.keys.iter().map(|k| CardSpec::new(*k, *k)).collect()
    }
    async fn card(&self, key: &str, ctx: &CardContext) -> Card {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Card::new([text(format!("{key} for {}", ctx.customer.id))])
    }
}

/// Cards with different scopes and TTLs that count how often each key is drawn.
///
/// | key | scope | TTL |
/// | --- | --- | --- |
/// | `account` | customer | 120 s (`Describe` default) |
/// | `thread-notes` | thread | 60 s (`Describe` default) |
/// | `tenant-plan` | tenant | 90 s (`Describe` default) |
/// | `short-lived` | customer | 1 s (set per answer) |
/// | `answer-ttl` | customer | 45 s (set per answer) |
#[derive(Clone, Default)]
pub struct ScopedCards {
    calls: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    /// How long each draw takes (to make concurrent requests overlap).
    pub delay: Duration,
    edition: Arc<std::sync::atomic::AtomicUsize>,
}

impl ScopedCards {
    pub fn with_delay(delay: Duration) -> Self {
        Self { delay, ..Self::default() }
    }

    /// From now on every card drawn says `edition N` (0: no edition), so a test can tell a
    /// copy drawn later from an older one.
    pub fn set_edition(&self, edition: usize) {
        self.edition.store(edition, std::sync::atomic::Ordering::SeqCst);
    }

    /// How often `key` was drawn.
    pub fn calls(&self, key: &str) -> usize {
        self.calls.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

#[tonic::async_trait]
impl CardProvider for ScopedCards {
    fn name(&self) -> &str {
        "scoped"
    }
    fn cards(&self) -> Vec<CardSpec> {
        use cardmesh_kit::Scope;
        vec![
            CardSpec::new("account", "Account").ttl(Duration::from_secs(120)),
            CardSpec::new("thread-notes", "Thread notes").scope(Scope::Thread).ttl(Duration::from_secs(60)),
            CardSpec::new("tenant-plan", "Tenant plan").scope(Scope::Tenant).ttl(Duration::from_secs(90)),
            CardSpec::new("short-lived", "Short-lived"),
            CardSpec::new("answer-ttl", "Answer TTL"),
        ]
    }
    async fn card(&self, key: &str, ctx: &CardContext) -> Card {
        *self.calls.lock().unwrap().entry(key.to_owned()).or_default() += 1;
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let thread = ctx.thread.as_ref().map_or("-", |t| t.id.as_str());
        let edition = match self.edition.load(std::sync::atomic::Ordering::SeqCst) {
            0 => String::new(),
            n => format!(", edition {n}"),
        };
        let card = Card::new([text(format!("{key} for {} in {thread}{edition}", ctx.customer.id))]);
        match key {
            "short-lived" => card.with_ttl(Duration::from_secs(1)),
            "answer-ttl" => card.with_ttl(Duration::from_secs(45)),
            _ => card,
        }
    }
}

/// Cards that say when they were drawn, for tests of the age Plain shows them at: each
/// card's text is `<key> v<version> drawn <unix ms>` ([`DatedCards::drawn_ms`] reads it back).
///
/// | key | scope | TTL |
/// | --- | --- | --- |
/// | `profile` | customer | [`DatedCards::ttl`], set per answer |
/// | `notes` | thread | the same |
#[derive(Clone)]
pub struct DatedCards {
    /// The TTL every answer carries.
    pub ttl: Duration,
    /// How long each draw takes.
    pub delay: Duration,
    version: Arc<AtomicUsize>,
    calls: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
}

impl DatedCards {
    /// Cards with `ttl`, drawn at once, version 1.
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, delay: Duration::ZERO, version: Arc::new(AtomicUsize::new(1)), calls: Arc::default() }
    }

    /// The same cards, each draw taking `delay`.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// From now on every card drawn says `v<version>`: the service's data changed.
    pub fn set_version(&self, version: usize) {
        self.version.store(version, Ordering::SeqCst);
    }

    /// How often `key` was drawn.
    pub fn calls(&self, key: &str) -> usize {
        self.calls.lock().unwrap().get(key).copied().unwrap_or(0)
    }

    /// The text of a card as served: `(version, drawn at in Unix ms)`.
    pub fn drawn(text: &str) -> Option<(usize, u64)> {
        let (_, rest) = text.split_once(" v")?;
        let (version, drawn) = rest.split_once(" drawn ")?;
        Some((version.parse().ok()?, drawn.parse().ok()?))
    }
}

/// Milliseconds since the Unix epoch, the clock [`DatedCards`] and the simulated Plain share.
pub fn unix_ms() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
    u64::try_from(since.as_millis()).expect("fits")
}

#[tonic::async_trait]
impl CardProvider for DatedCards {
    fn name(&self) -> &str {
        "dated"
    }
    fn cards(&self) -> Vec<CardSpec> {
        use cardmesh_kit::Scope;
        vec![
            CardSpec::new("profile", "Profile"),
            CardSpec::new("plan", "Plan"),
            CardSpec::new("notes", "Notes").scope(Scope::Thread),
        ]
    }
    async fn card(&self, key: &str, _ctx: &CardContext) -> Card {
        *self.calls.lock().unwrap().entry(key.to_owned()).or_default() += 1;
        // Drawn when asked: the age counts from here.
        let drawn = unix_ms();
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let version = self.version.load(Ordering::SeqCst);
        Card::new([text(format!("{key} v{version} drawn {drawn}"))]).with_ttl(self.ttl)
    }
}
