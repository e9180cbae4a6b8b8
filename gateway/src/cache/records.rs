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

    /// `SET key value PX ttl`, replacing what is there.
    pub async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        let ttl = millis(ttl);
        self.redis
            .run(self.timeout, |mut conn| async move {
                redis::cmd("SET").arg(key).arg(value).arg("PX").arg(ttl).query_async::<()>(&mut conn).await
            })
            .await
    }

    /// Deletes `key` while it still holds `value`.
    pub async fn release(&self, key: &str, value: &str) -> Result<(), StoreError> {
        redis_release(&self.redis, self.timeout, &[key.to_owned()], value).await
    }
}
