//! Small records replicas share in the cache's Redis, outside the card cache itself: the
//! action ledger ([`crate::actions`]) keeps one record per action delivery here, so that a
//! delivery Plain retries is run once across the fleet.
//!
//! The keys carry the cache's namespace (`cache.namespace`) and version
//! ([`super::key::action_record_key`]); each operation touches one key, so any Redis Cluster
//! slot will do. Records are not sealed: whoever can write into Redis can at worst make the
//! gateway answer a delivery as already done, or run it again.

use std::sync::Arc;
use std::time::Duration;

use super::claim::{redis_claim, redis_release};
use super::key::action_record_key;
use super::redis::{millis, RedisStore};
use super::store::StoreError;

/// Sets `KEYS[1]` to `ARGV[2]` for `ARGV[3]` ms while it holds `ARGV[1]` or nothing.
const REPLACE: &str = "local v = redis.call('GET', KEYS[1]) \
    if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0";

/// Action records in Redis.
#[derive(Clone)]
pub struct SharedRecords {
    redis: Arc<RedisStore>,
    prefix: String,
    timeout: Duration,
}

impl SharedRecords {
    pub(super) fn new(redis: Arc<RedisStore>, namespace: Option<&str>, timeout: Duration) -> Self {
        let prefix = namespace.map(|n| format!("{n}:")).unwrap_or_default();
        Self { redis, prefix, timeout }
    }

    /// The key of the record of delivery `digest` in `workspace_id`.
    pub fn key(&self, workspace_id: &str, digest: &str) -> String {
        format!("{}{}", self.prefix, action_record_key(workspace_id, digest))
    }

    /// `SET key value NX GET PX ttl`: `None` when this call set it, else the value already
    /// there.
    pub async fn claim(&self, key: &str, value: &str, ttl: Duration) -> Result<Option<String>, StoreError> {
        let marks = [key.to_owned()];
        let mut found = redis_claim(&self.redis, self.timeout, &marks, value, ttl).await?;
        Ok(found.pop().flatten())
    }

    /// `SET key value PX ttl` only while `key` holds `expected` or nothing (one script, one
    /// key, so any Redis Cluster slot will do): `true` when it was set, `false` when `key`
    /// holds something else (another request's marker, or an outcome kept already).
    pub async fn replace(&self, key: &str, expected: &str, value: &str, ttl: Duration) -> Result<bool, StoreError> {
        let ttl = millis(ttl);
        self.redis
            .run(self.timeout, |mut conn| async move {
                redis::cmd("EVAL")
                    .arg(REPLACE)
                    .arg(1)
                    .arg(key)
                    .arg(expected)
                    .arg(value)
                    .arg(ttl)
                    .query_async::<i64>(&mut conn)
                    .await
            })
            .await
            .map(|set| set == 1)
    }

    /// Deletes `key` while it still holds `value`.
    pub async fn release(&self, key: &str, value: &str) -> Result<(), StoreError> {
        redis_release(&self.redis, self.timeout, &[key.to_owned()], value).await
    }
}
