//! Redis entries the gateway can trust: every card entry written to Redis is sealed with a
//! key only gateways hold, and every value read from Redis is checked before anything else
//! sees it.
//!
//! A sealed entry is `<key id><tag><entry>`:
//! - `<key id>`: 8 hex digits naming the sealing key (so an entry of a gateway with another
//!   key, e.g. during a rotation of the signing secrets, is told apart from a forgery);
//! - `<tag>`: the first 128 bits, in hex, of HMAC-SHA256(sealing key, `<Redis key> 0x00
//!   <entry>`). The Redis key is part of the tag, so a sealed card copied under another
//!   customer's, workspace's or card's key does not open;
//! - `<entry>`: the generations and the card's JSON ([`super::entry`]).
//!
//! A value read from Redis is used only when it passes its check, else it is a miss (for a
//! stale copy: no stale copy), logged without the value or any customer data, and counted
//! in `cardmesh_cache_rejected_total{reason}`:
//! - a generation counter must be a decimal integer (else `malformed`);
//! - a card entry must fit `limits.max_card_bytes` with its header (else `too_large`, checked
//!   before any hashing), start with a key id and a tag (else `malformed`), carry this
//!   gateway's key id (else `other_key`) and a tag that matches (else `forged`).
//!
//! The check runs where values enter the process, below the near cache, so a near-cache hit
//! (what a hot customer costs) pays nothing for it. The in-process store holds only what
//! this gateway wrote and is not sealed.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::key;
use super::stats::CacheStats;
use super::store::{CacheStore, StoreError, Write, WriteKind};
use crate::config::{CacheSettings, Secret, SigningSecrets};

type HmacSha256 = Hmac<Sha256>;

/// Hex digits of the key id.
const KEY_ID_LEN: usize = 8;
/// Hex digits of the tag (128 bits).
const TAG_LEN: usize = 32;
/// What sealing puts before the entry.
pub const SEAL_LEN: usize = KEY_ID_LEN + TAG_LEN;
/// Longest entry header before the card JSON: two 64-bit generations, `:` and `|`.
const MAX_ENTRY_HEADER: usize = 20 + 1 + 20 + 1 + 20 + 1 + 10 + 1;

/// Why a value read from Redis was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Longer than `limits.max_card_bytes` allows.
    TooLarge,
    /// Not a counter, or not a sealed entry.
    Malformed,
    /// Sealed with another key (another gateway's configuration).
    OtherKey,
    /// The tag does not match the entry and its key.
    Forged,
}

impl Rejection {
    /// Every reason, in the order of [`Rejection::index`].
    pub const ALL: [Rejection; 4] = [Rejection::TooLarge, Rejection::Malformed, Rejection::OtherKey, Rejection::Forged];

    /// The `reason` label.
    pub fn code(self) -> &'static str {
        match self {
            Rejection::TooLarge => "too_large",
            Rejection::Malformed => "malformed",
            Rejection::OtherKey => "other_key",
            Rejection::Forged => "forged",
        }
    }

    /// Position in [`Rejection::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Where the sealing key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// `cache.entry_key`.
    Configured,
    /// Derived from the signing secrets.
    SigningSecrets,
    /// Random for this process: no entry key and no signing secret.
    Random,
}

/// Seals and opens card entries with one key.
#[derive(Clone)]
pub struct EntrySeal {
    /// The keyed HMAC state, cloned for each entry (the key is hashed once).
    mac: HmacSha256,
    key_id: [u8; KEY_ID_LEN],
}

impl EntrySeal {
    /// A seal with `key` (any length; 32 random bytes or more).
    pub fn new(key: &[u8]) -> Self {
        let mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
        let mut id = mac.clone();
        id.update(b"cardmesh cache entry key id");
        let mut key_id = [0u8; KEY_ID_LEN];
        hex::encode_to_slice(&id.finalize().into_bytes()[..KEY_ID_LEN / 2], &mut key_id).expect("fits");
        Self { mac, key_id }
    }

    /// The seal of a gateway with `settings` and `signing_secrets`: `cache.entry_key` when
    /// set; else a key derived from every signing secret (which every replica holds and no
    /// card service does), so a fleet shares its entries with no setting of its own; else a
    /// random key for this process alone.
    pub fn for_gateway(settings: &CacheSettings, signing_secrets: &SigningSecrets) -> (Self, KeySource) {
        if let Some(key) = &settings.entry_key {
            return (Self::new(key.expose().as_bytes()), KeySource::Configured);
        }
        let mut secrets: Vec<&Secret> = signing_secrets.iter().collect();
        if secrets.is_empty() {
            let mut key = [0u8; 32];
            if getrandom::fill(&mut key).is_err() {
                // No randomness from the OS (never seen on Linux): a key of std's random
                // hash keys, unknown outside this process all the same.
                use std::hash::{BuildHasher, RandomState};
                for chunk in key.chunks_mut(8) {
                    chunk.copy_from_slice(&RandomState::new().hash_one(0u8).to_le_bytes());
                }
            }
            return (Self::new(&key), KeySource::Random);
        }
        // Sorted, so the order the secrets are listed in does not matter.
        secrets.sort_by(|a, b| a.expose().cmp(b.expose()));
        let mut derive = HmacSha256::new_from_slice(b"cardmesh cache entry key, from the signing secrets, v1")
            .expect("HMAC takes keys of any length");
        for secret in secrets {
            derive.update(&(secret.expose().len() as u64).to_be_bytes());
            derive.update(secret.expose().as_bytes());
        }
        (Self::new(&derive.finalize().into_bytes()), KeySource::SigningSecrets)
    }

    fn tag(&self, key: &str, entry: &str) -> [u8; TAG_LEN] {
        let mut mac = self.mac.clone();
        mac.update(key.as_bytes());
        mac.update(&[0]);
        mac.update(entry.as_bytes());
        let mut tag = [0u8; TAG_LEN];
        hex::encode_to_slice(&mac.finalize().into_bytes()[..TAG_LEN / 2], &mut tag).expect("fits");
        tag
    }

    /// `entry` sealed for the Redis key `key`.
    pub fn seal(&self, key: &str, entry: &str) -> String {
        let mut sealed = String::with_capacity(SEAL_LEN + entry.len());
        sealed.push_str(std::str::from_utf8(&self.key_id).expect("hex"));
        sealed.push_str(std::str::from_utf8(&self.tag(key, entry)).expect("hex"));
        sealed.push_str(entry);
        sealed
    }

    /// The entry inside `sealed`, read from the Redis key `key`, when its seal holds.
    pub fn open<'v>(&self, key: &str, sealed: &'v str) -> Result<&'v str, Rejection> {
        let (Some(key_id), Some(tag), Some(entry)) =
            (sealed.get(..KEY_ID_LEN), sealed.get(KEY_ID_LEN..SEAL_LEN), sealed.get(SEAL_LEN..))
        else {
            return Err(Rejection::Malformed);
        };
        if key_id.as_bytes() != self.key_id {
            let hex = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            return Err(if hex(key_id) && hex(tag) { Rejection::OtherKey } else { Rejection::Malformed });
        }
        // Constant time, so a forger learns nothing from how long the comparison took.
        if subtle::ConstantTimeEq::ct_eq(tag.as_bytes(), &self.tag(key, entry)[..]).into() {
            Ok(entry)
        } else {
            Err(Rejection::Forged)
        }
    }
}

/// Redis behind the seal: card entries are sealed on the way in and checked on the way out;
/// counters are checked to be integers. Everything else passes through.
pub struct SealedStore {
    inner: Arc<dyn CacheStore>,
    seal: EntrySeal,
    /// Longest sealed entry accepted: `limits.max_card_bytes` plus the seal and the header.
    max_value_bytes: usize,
    stats: Arc<CacheStats>,
}

impl SealedStore {
    /// `inner` (Redis) behind `seal`; entries above `max_card_bytes` of JSON are refused.
    pub fn new(inner: Arc<dyn CacheStore>, seal: EntrySeal, max_card_bytes: usize, stats: Arc<CacheStats>) -> Self {
        Self { inner, seal, max_value_bytes: SEAL_LEN + MAX_ENTRY_HEADER + max_card_bytes, stats }
    }

    /// The value read from `key`, once checked.
    fn check(&self, key: &str, mut value: String) -> Result<String, Rejection> {
        if key::is_generation(key) {
            return value.parse::<u64>().map(|_| value).map_err(|_| Rejection::Malformed);
        }
        if key::is_served(key) {
            // Not sealed (see `super::served`): checked for its form.
            return super::served::ServedContext::decode(&value).map(|_| value).ok_or(Rejection::Malformed);
        }
        if value.len() > self.max_value_bytes {
            return Err(Rejection::TooLarge);
        }
        self.seal.open(key, &value)?;
        value.replace_range(..SEAL_LEN, "");
        Ok(value)
    }

    fn rejected(&self, key: &str, reason: Rejection) {
        self.stats.record_rejected(reason);
        let what = if key::is_generation(key) {
            "generation counter"
        } else if key::is_served(key) {
            "served-ledger entry"
        } else {
            "card entry"
        };
        // The card key names the card; the Redis key would name the customer.
        let card_key = key::card_key_of(key).unwrap_or("-");
        if reason == Rejection::OtherKey {
            tracing::debug!(
                reason = reason.code(),
                card_key,
                "a cache entry sealed by a gateway with another cache.entry_key was ignored"
            );
        } else {
            tracing::warn!(
                reason = reason.code(),
                card_key,
                "a {what} read from Redis failed its check and was ignored (a cache miss): something other than a gateway wrote it"
            );
        }
    }
}

#[async_trait::async_trait]
impl CacheStore for SealedStore {
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        let values = self.inner.get_many(keys).await?;
        Ok(keys
            .iter()
            .zip(values)
            .map(|(key, value)| self.check(key, value?).map_err(|reason| self.rejected(key, reason)).ok())
            .collect())
    }

    async fn set_many(&self, writes: &[Write]) -> Result<(), StoreError> {
        let sealed: Vec<Write> = writes
            .iter()
            .map(|w| match w.kind {
                WriteKind::Entry => Write { value: self.seal.seal(&w.key, &w.value), ..w.clone() },
                WriteKind::NewCounter | WriteKind::Member | WriteKind::Ledger | WriteKind::LedgerAppend => w.clone(),
            })
            .collect();
        self.inner.set_many(&sealed).await
    }

    async fn increment(&self, keys: &[String], ttl: Duration) -> Result<(), StoreError> {
        self.inner.increment(keys, ttl).await
    }

    async fn recent_members(&self, key: &str, max_age: Duration) -> Result<Vec<String>, StoreError> {
        self.inner.recent_members(key, max_age).await
    }

    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn shares_draws(&self) -> bool {
        self.inner.shares_draws()
    }

    async fn claim(&self, marks: &[String], value: &str, ttl: Duration) -> Result<Vec<Option<String>>, StoreError> {
        // Marks are not sealed: only their presence is trusted (see `super::claim`).
        self.inner.claim(marks, value, ttl).await
    }

    async fn peek(&self, keys: &[String], mark: &str) -> Result<(Vec<Option<String>>, bool), StoreError> {
        let (values, marked) = self.inner.peek(keys, mark).await?;
        let values = keys
            .iter()
            .zip(values)
            .map(|(key, value)| self.check(key, value?).map_err(|reason| self.rejected(key, reason)).ok())
            .collect();
        Ok((values, marked))
    }

    async fn release(&self, marks: &[String], value: &str) -> Result<(), StoreError> {
        self.inner.release(marks, value).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::MemoryStore;
    use crate::config::Config;

    const KEY: &str = "cardmesh:v3:{w:w_1:c:c_1}:card:usage:0123";
    const ENTRY: &str = r#"5:9|{"key":"usage","components":null}"#;

    fn seal() -> EntrySeal {
        EntrySeal::new(b"a test key of the gateways, 32 b")
    }

    #[test]
    fn a_sealed_entry_opens_only_under_its_own_key_and_bytes() {
        let seal = seal();
        let sealed = seal.seal(KEY, ENTRY);
        assert_eq!(sealed.len(), SEAL_LEN + ENTRY.len());
        assert_eq!(seal.open(KEY, &sealed), Ok(ENTRY));

        let other_card = KEY.replace(":usage:", ":billing:");
        let other_customer = KEY.replace("c:c_1", "c:c_2");
        assert_eq!(seal.open(&other_card, &sealed), Err(Rejection::Forged));
        assert_eq!(seal.open(&other_customer, &sealed), Err(Rejection::Forged));
        let phishing = sealed.replace(
            "null",
            r#"[{"componentLinkButton":{"linkButtonLabel":"Pay","linkButtonUrl":"https://evil.example"}}]"#,
        );
        assert_eq!(seal.open(KEY, &phishing), Err(Rejection::Forged));
        let older = sealed.replacen("5:9|", "4:9|", 1);
        assert_eq!(seal.open(KEY, &older), Err(Rejection::Forged), "generations are sealed too");

        assert_eq!(EntrySeal::new(b"another key").open(KEY, &sealed), Err(Rejection::OtherKey));
        assert_eq!(seal.open(KEY, ENTRY), Err(Rejection::Malformed));
        assert_eq!(seal.open(KEY, "short"), Err(Rejection::Malformed));
        assert_eq!(seal.open(KEY, &format!("{}{ENTRY}", "z".repeat(SEAL_LEN))), Err(Rejection::Malformed));
    }

    #[test]
    fn the_key_is_configured_or_derived_from_the_signing_secrets_in_any_order_or_random() {
        let mut config =
            Config { signing_secrets: vec![Secret::new("one"), Secret::new("two")].into(), ..Config::default() };
        let (derived, source) = EntrySeal::for_gateway(&config.cache, &config.signing_secrets);
        assert_eq!(source, KeySource::SigningSecrets);
        let reordered: SigningSecrets = vec![Secret::new("two"), Secret::new("one")].into();
        let (same, _) = EntrySeal::for_gateway(&config.cache, &reordered);
        assert_eq!(same.open(KEY, &derived.seal(KEY, ENTRY)), Ok(ENTRY));
        let (rotated, _) = EntrySeal::for_gateway(&config.cache, &vec![Secret::new("three")].into());
        assert_eq!(rotated.open(KEY, &derived.seal(KEY, ENTRY)), Err(Rejection::OtherKey));

        config.cache.entry_key = Some(Secret::new("an entry key of at least 32 characters"));
        let (configured, source) = EntrySeal::for_gateway(&config.cache, &config.signing_secrets);
        assert_eq!(source, KeySource::Configured);
        assert_eq!(configured.open(KEY, &derived.seal(KEY, ENTRY)), Err(Rejection::OtherKey));

        let none = SigningSecrets::default();
        let (a, source) = EntrySeal::for_gateway(&Config::default().cache, &none);
        let (b, _) = EntrySeal::for_gateway(&Config::default().cache, &none);
        assert_eq!(source, KeySource::Random);
        assert_eq!(b.open(KEY, &a.seal(KEY, ENTRY)), Err(Rejection::OtherKey));
    }

    #[tokio::test]
    async fn values_that_fail_their_check_are_misses_and_counted() {
        let raw = Arc::new(MemoryStore::new(100));
        let stats = Arc::new(CacheStats::default());
        let store = SealedStore::new(raw.clone(), seal(), 64, stats.clone());
        let gen = "cardmesh:v3:{w:w_1:c:c_1}:gen".to_owned();
        store.set_many(&[Write::entry(KEY.into(), ENTRY.into(), Duration::from_secs(60))]).await.unwrap();
        assert_eq!(store.get_many(&[KEY.to_owned()]).await.unwrap(), vec![Some(ENTRY.to_owned())]);
        let stored = raw.get_many(&[KEY.to_owned()]).await.unwrap()[0].clone().unwrap();
        assert!(stored.ends_with(ENTRY) && stored.len() == SEAL_LEN + ENTRY.len(), "sealed in the store: {stored}");

        let tamper = |value: String| Write::entry(KEY.into(), value, Duration::from_secs(60));
        for (value, reason) in [
            (ENTRY.to_owned(), Rejection::Malformed),
            (stored.replace("null", "[]"), Rejection::Forged),
            (format!("{stored}{}", " ".repeat(200)), Rejection::TooLarge),
        ] {
            raw.set_many(&[tamper(value), Write::entry(gen.clone(), "x7".into(), Duration::from_secs(60))])
                .await
                .unwrap();
            assert_eq!(store.get_many(&[gen.clone(), KEY.to_owned()]).await.unwrap(), vec![None, None], "{reason:?}");
            assert!(stats.snapshot().rejected[reason.index()] >= 1, "{reason:?} counted");
        }
        assert_eq!(stats.snapshot().rejected[Rejection::Malformed.index()], 4, "3 counters and 1 entry");
    }

    #[tokio::test]
    async fn ledger_entries_are_stored_as_they_are_and_read_only_in_their_form() {
        let raw = Arc::new(MemoryStore::new(100));
        let stats = Arc::new(CacheStats::default());
        let store = SealedStore::new(raw.clone(), seal(), 64, stats.clone());
        let key = "cardmesh:v3:{w:w_1:c:c_1}:served:=th_1:".to_owned();
        let ledger = |value: &str| Write {
            key: key.clone(),
            value: value.into(),
            ttl: Duration::from_secs(60),
            kind: WriteKind::Ledger,
        };
        let entry = "usage=1000:61000,latest-invoice=1000:31000";
        store.set_many(&[ledger(entry)]).await.unwrap();
        assert_eq!(raw.get_many(std::slice::from_ref(&key)).await.unwrap(), vec![Some(entry.to_owned())]);
        assert_eq!(store.get_many(std::slice::from_ref(&key)).await.unwrap(), vec![Some(entry.to_owned())]);
        raw.set_many(&[ledger("forged")]).await.unwrap();
        assert_eq!(store.get_many(std::slice::from_ref(&key)).await.unwrap(), vec![None]);
        assert_eq!(stats.snapshot().rejected[Rejection::Malformed.index()], 1);
    }
}
