//! The Redis store: short per-operation timeouts, reconnects on demand, and a breaker that
//! skips Redis for a cool-down after repeated errors. The gateway starts while Redis is
//! down and connects when it comes up (unless `cache.required_to_start`: see
//! [`RedisStore::check`]).
//!
//! One server, Redis Cluster and Sentinel, with or without TLS, share every line below: the
//! commands run on a [`Connection`] (see [`super::connection`]). In cluster mode a command
//! must address one slot: a lookup's keys share a hash tag (checked in debug builds), and
//! pipelined writes are split per slot ([`super::slots`]).
//!
//! On its first connection it reads Redis's `maxmemory-policy` (where `CONFIG GET` is
//! allowed) and warns about a policy that may evict keys without a TTL (`allkeys-*`): the
//! list of workspaces that invalidations without a `workspaceId` use has none. Everything
//! else the gateway stores is safe to lose (a miss). `volatile-lru` is the documented
//! setting (docker-compose.yml uses it).

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use futures::future::try_join_all;

use super::connection::{Connection, Connector, Deadlines};
use super::entry::new_generation;
use super::slots;
use super::store::{CacheStore, StoreError, Write, WriteKind};
use crate::breaker::Breaker;
use crate::config::{CacheSettings, RedisTarget};
use crate::tls::RedisPem;

/// A Redis-backed store.
pub struct RedisStore {
    connector: Connector,
    /// Where Redis is, for logs (never a credential).
    description: String,
    /// The shared connection, when one is open: read (and cloned) by every operation, so a
    /// plain lock held for a clone only.
    connection: std::sync::Mutex<Option<Connection>>,
    /// Held while connecting, so concurrent operations wait for one connection attempt
    /// instead of each making their own.
    connecting: tokio::sync::Mutex<()>,
    breaker: Breaker,
    read_timeout: Duration,
    write_timeout: Duration,
    connect_timeout: Duration,
    /// Set once the eviction policy has been looked at.
    policy_checked: AtomicBool,
}

impl RedisStore {
    /// A store for `target` (see [`CacheSettings::redis_target`]) with `pem`'s TLS files.
    /// Does not connect yet.
    pub fn new(target: &RedisTarget, pem: &RedisPem, settings: &CacheSettings) -> Result<Self, redis::RedisError> {
        let deadlines = Deadlines {
            connect: settings.connect_timeout,
            response: settings.write_timeout.max(settings.read_timeout),
        };
        Ok(Self {
            connector: Connector::new(target, pem, deadlines)?,
            description: target.describe(),
            connection: std::sync::Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            breaker: Breaker::new(settings.failure_threshold, settings.cooldown),
            read_timeout: settings.read_timeout,
            write_timeout: settings.write_timeout,
            connect_timeout: settings.connect_timeout,
            policy_checked: AtomicBool::new(false),
        })
    }

    /// Where Redis is: kind and addresses, never a credential.
    pub fn describe(&self) -> &str {
        &self.description
    }

    fn deadlines(&self) -> Deadlines {
        Deadlines { connect: self.connect_timeout, response: self.write_timeout.max(self.read_timeout) }
    }

    /// Connects (when not connected yet) and sends `PING`, outside the breaker, within the
    /// connect and response deadlines: for start-up with `cache.required_to_start`. The
    /// connection is kept for the requests.
    pub async fn check(&self) -> Result<(), StoreError> {
        let (mut conn, _) = self.connection().await?;
        let deadline = self.deadlines().response;
        match tokio::time::timeout(deadline, redis::cmd("PING").query_async::<()>(&mut conn)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                *self.slot() = None;
                Err(StoreError::Backend(e.to_string()))
            }
            Err(_) => {
                *self.slot() = None;
                Err(StoreError::Timeout(deadline))
            }
        }
    }

    /// The shared connection, connecting first when there is none; `true` when it was
    /// already open (and so may have been closed by Redis since).
    async fn connection(&self) -> Result<(Connection, bool), StoreError> {
        if let Some(conn) = self.open() {
            return Ok((conn, true));
        }
        let _connecting = self.connecting.lock().await;
        // Another operation may have connected while this one waited.
        if let Some(conn) = self.open() {
            return Ok((conn, true));
        }
        let conn = tokio::time::timeout(self.connect_timeout, self.connector.connect(self.deadlines()))
            .await
            .map_err(|_| StoreError::Timeout(self.connect_timeout))?
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        tracing::info!(redis = %self.description, "connected to Redis");
        *self.slot() = Some(conn.clone());
        if !self.policy_checked.swap(true, Ordering::Relaxed) {
            tokio::spawn(check_eviction_policy(conn.clone(), self.read_timeout.max(self.connect_timeout)));
        }
        Ok((conn, false))
    }

    /// A clone of the open connection, if any.
    fn open(&self) -> Option<Connection> {
        self.slot().clone()
    }

    /// The connection slot. A panic while it was held cannot leave it inconsistent (it is
    /// only ever read or replaced whole), so a poisoned lock is used as it is.
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Connection>> {
        self.connection.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs one operation under the breaker and `timeout`; an error drops the connection so
    /// the next operation reconnects.
    ///
    /// A connection Redis closed (a restart, a failover, an idle timeout) is only found out
    /// by the next command sent on it. That command is sent once more on a new connection,
    /// so a Redis restart costs no failed read or invalidation. Every operation here may
    /// run twice: reads and SETs are idempotent, and a generation counter moved twice still
    /// invalidates.
    ///
    /// Redis Cluster's client keeps its own connections to the nodes, reconnects them and
    /// follows the cluster's failovers itself: its connection is dropped only when the
    /// breaker opens, so that the probe after the cool-down starts from the seed nodes again.
    pub(super) async fn run<T, F, Fut>(&self, timeout: Duration, op: F) -> Result<T, StoreError>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.breaker.allow() {
            return Err(StoreError::CircuitOpen);
        }
        let mut result = self.attempt(timeout, &op).await;
        if let Err(Attempt::Dropped(error)) = &result {
            tracing::debug!(%error, "the Redis connection was closed; sending again on a new one");
            *self.slot() = None;
            result = self.attempt(timeout, &op).await;
        }
        let result = result.map_err(StoreError::from);
        match &result {
            Ok(_) => self.breaker.success(),
            Err(error) => {
                let cluster = self.connector.is_cluster();
                if !cluster && !matches!(error, StoreError::Timeout(_)) {
                    *self.slot() = None;
                }
                if self.breaker.failure() {
                    if cluster {
                        *self.slot() = None;
                    }
                    tracing::warn!(%error, redis = %self.description, "Redis is failing; skipping it for a cool-down");
                }
            }
        }
        result
    }

    /// Sends `op` once, on the shared connection.
    async fn attempt<T, F, Fut>(&self, timeout: Duration, op: &F) -> Result<T, Attempt>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let (conn, reused) = self.connection().await.map_err(Attempt::Failed)?;
        let resend = reused && !self.connector.is_cluster();
        match tokio::time::timeout(timeout, op(conn)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) if resend && (e.is_unrecoverable_error() || e.is_io_error()) => Err(Attempt::Dropped(e)),
            Ok(Err(e)) => Err(Attempt::Failed(StoreError::Backend(e.to_string()))),
            Err(_) => Err(Attempt::Failed(StoreError::Timeout(timeout))),
        }
    }

    /// Sends each of `pipes` (one per slot in cluster mode), all at once, as one operation:
    /// each pipeline's replies, in order (`()` for pipelines whose commands are all ignored).
    async fn pipelines<T: redis::FromRedisValue>(&self, pipes: &[redis::Pipeline]) -> Result<Vec<T>, StoreError> {
        self.run(self.write_timeout, |conn| {
            try_join_all(pipes.iter().map(move |pipe| {
                let mut conn = conn.clone();
                async move { pipe.query_async::<T>(&mut conn).await }
            }))
        })
        .await
    }

    /// Appends served-ledger answers ([`WriteKind::LedgerAppend`]) without reading the
    /// entries. Most are new (a thread Plain just opened): one `SET … NX GET PX` per entry
    /// starts them, in one pipeline per slot. An entry that existed (the `GET` returned it) then
    /// gets the answers appended and its life extended to theirs, never shortened
    /// (`APPEND`, `PEXPIRE … GT`), in one more round trip for those alone.
    async fn append_ledger(&self, appends: &[&Write]) -> Result<(), StoreError> {
        if appends.is_empty() {
            return Ok(());
        }
        let groups = slots::by_slot(appends, |w| &w.key, self.connector.is_cluster());
        let starts: Vec<redis::Pipeline> = groups
            .iter()
            .map(|group| {
                let mut pipe = redis::pipe();
                for w in group {
                    pipe.cmd("SET").arg(&w.key).arg(&w.value).arg("NX").arg("GET").arg("PX").arg(millis(w.ttl));
                }
                pipe
            })
            .collect();
        let replies: Vec<Vec<Option<String>>> = self.pipelines(&starts).await?;
        // The entries that existed, per slot as the starts were: appended to.
        let pipes: Vec<redis::Pipeline> = groups
            .iter()
            .zip(&replies)
            .filter_map(|(group, replies)| {
                let mut existed = group.iter().zip(replies).filter(|(_, before)| before.is_some()).peekable();
                existed.peek()?;
                let mut pipe = redis::pipe();
                for (w, _) in existed {
                    // `NX` too: had the entry expired since, `APPEND` would start one without a TTL.
                    pipe.cmd("APPEND").arg(&w.key).arg(&w.value).ignore();
                    pipe.cmd("PEXPIRE").arg(&w.key).arg(millis(w.ttl)).arg("NX").ignore();
                    pipe.cmd("PEXPIRE").arg(&w.key).arg(millis(w.ttl)).arg("GT").ignore();
                }
                Some(pipe)
            })
            .collect();
        if pipes.is_empty() {
            return Ok(());
        }
        self.pipelines::<()>(&pipes).await.map(|_| ())
    }
}

/// How one attempt failed.
enum Attempt {
    /// The connection was already open and turned out closed: worth one more on a new one.
    Dropped(redis::RedisError),
    Failed(StoreError),
}

impl From<Attempt> for StoreError {
    fn from(attempt: Attempt) -> Self {
        match attempt {
            Attempt::Dropped(e) => StoreError::Backend(e.to_string()),
            Attempt::Failed(e) => e,
        }
    }
}

#[async_trait::async_trait]
impl CacheStore for RedisStore {
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        slots::assert_one_slot(keys);
        self.run(self.read_timeout, |mut conn| async move { redis::cmd("MGET").arg(keys).query_async(&mut conn).await })
            .await
    }

    async fn set_many(&self, writes: &[Write]) -> Result<(), StoreError> {
        let (appends, others): (Vec<&Write>, Vec<&Write>) =
            writes.iter().partition(|w| w.kind == WriteKind::LedgerAppend);
        let pipes: Vec<redis::Pipeline> = slots::by_slot(&others, |w| &w.key, self.connector.is_cluster())
            .into_iter()
            .map(|group| {
                let mut pipe = redis::pipe();
                for w in group {
                    match w.kind {
                        WriteKind::Entry | WriteKind::Ledger => {
                            pipe.cmd("SET").arg(&w.key).arg(&w.value).arg("PX").arg(millis(w.ttl)).ignore();
                        }
                        // Partitioned out above, sent after these: see `append_ledger`.
                        WriteKind::LedgerAppend => {}
                        WriteKind::NewCounter => {
                            pipe.cmd("SET").arg(&w.key).arg(&w.value).arg("NX").arg("PX").arg(millis(w.ttl)).ignore();
                        }
                        WriteKind::Member => {
                            pipe.cmd("ZADD").arg(&w.key).arg(unix_seconds()).arg(&w.value).ignore();
                        }
                    }
                }
                pipe
            })
            .collect();
        if !pipes.is_empty() {
            self.pipelines::<()>(&pipes).await?;
        }
        self.append_ledger(&appends).await
    }

    async fn increment(&self, keys: &[String], ttl: Duration) -> Result<(), StoreError> {
        // One MULTI per slot: Redis Cluster runs a transaction on one node only. Each slot's
        // counters move together; an invalidation that reaches several workspaces is several
        // transactions, as it would be several requests.
        let pipes: Vec<redis::Pipeline> = slots::by_slot(keys, String::as_str, self.connector.is_cluster())
            .into_iter()
            .map(|group| {
                let mut pipe = redis::pipe();
                pipe.atomic();
                for key in group {
                    // An absent counter starts from a random value, never from 0: a counter
                    // that was evicted does not come back with a value cards were once stored
                    // under.
                    pipe.cmd("SET").arg(key).arg(new_generation()).arg("NX").arg("PX").arg(millis(ttl)).ignore();
                    pipe.cmd("INCR").arg(key).ignore();
                    pipe.cmd("PEXPIRE").arg(key).arg(millis(ttl)).ignore();
                }
                pipe
            })
            .collect();
        if pipes.is_empty() {
            return Ok(());
        }
        self.pipelines::<()>(&pipes).await.map(|_| ())
    }

    async fn recent_members(&self, key: &str, max_age: Duration) -> Result<Vec<String>, StoreError> {
        let since = unix_seconds().saturating_sub(max_age.as_secs());
        let mut pipe = redis::pipe();
        pipe.cmd("ZREMRANGEBYSCORE").arg(key).arg("-inf").arg(format!("({since}")).ignore();
        pipe.cmd("ZRANGEBYSCORE").arg(key).arg(since).arg("+inf");
        let pipe = &pipe;
        let (members,): (Vec<String>,) =
            self.run(self.write_timeout, |mut conn| async move { pipe.query_async(&mut conn).await }).await?;
        Ok(members)
    }

    fn kind(&self) -> &'static str {
        "redis"
    }

    fn shares_draws(&self) -> bool {
        true
    }

    async fn claim(&self, marks: &[String], value: &str, ttl: Duration) -> Result<Vec<Option<String>>, StoreError> {
        super::claim::redis_claim(self, self.write_timeout, marks, value, ttl).await
    }

    async fn peek(&self, keys: &[String], mark: &str) -> Result<(Vec<Option<String>>, bool), StoreError> {
        super::claim::redis_peek(self, self.read_timeout, keys, mark).await
    }

    async fn release(&self, marks: &[String], value: &str) -> Result<(), StoreError> {
        super::claim::redis_release(self, self.write_timeout, marks, value).await
    }
}

/// A duration in whole milliseconds for `PX` and `PEXPIRE` (at least 1).
pub(super) fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// Seconds since the Unix epoch (0 before it).
fn unix_seconds() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Reads `maxmemory-policy` and logs what it means for the cache (see the module comment).
async fn check_eviction_policy(mut conn: Connection, timeout: Duration) {
    let mut get = redis::cmd("CONFIG");
    get.arg("GET").arg("maxmemory-policy");
    match tokio::time::timeout(timeout, get.query_async::<Vec<String>>(&mut conn)).await {
        Ok(Ok(pair)) if pair.len() == 2 => match eviction_warning(&pair[1]) {
            Some(warning) => tracing::warn!(policy = %pair[1], "{warning}"),
            None => tracing::debug!(policy = %pair[1], "Redis's eviction policy keeps keys without a TTL"),
        },
        Ok(Ok(_)) | Ok(Err(_)) | Err(_) => tracing::debug!(
            "could not read Redis's maxmemory-policy (CONFIG GET is not allowed here); \
             make sure it never evicts keys without a TTL, e.g. volatile-lru"
        ),
    }
}

/// The warning a `maxmemory-policy` deserves, if any.
fn eviction_warning(policy: &str) -> Option<String> {
    policy.starts_with("allkeys-").then(|| {
        format!(
            "Redis's maxmemory-policy is {policy}: it may evict keys without a TTL, such as the list of \
             workspaces that an invalidation without a workspaceId reaches, and such an invalidation would \
             then miss a workspace. Set maxmemory-policy volatile-lru (docker-compose.yml does): cards and \
             generation counters have TTLs and are safe to evict, they only become misses"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_policies_that_evict_keys_without_a_ttl_are_warned_about() {
        for policy in ["allkeys-lru", "allkeys-lfu", "allkeys-random"] {
            let warning = eviction_warning(policy).expect(policy);
            assert!(warning.contains(policy) && warning.contains("volatile-lru"), "{warning}");
        }
        for policy in ["volatile-lru", "volatile-lfu", "volatile-ttl", "volatile-random", "noeviction"] {
            assert_eq!(eviction_warning(policy), None, "{policy}");
        }
    }

    #[test]
    fn ttls_are_whole_milliseconds_of_at_least_one() {
        assert_eq!(millis(Duration::from_micros(10)), 1);
        assert_eq!(millis(Duration::from_secs(2)), 2000);
        assert!(unix_seconds() > 1_700_000_000);
    }
}
