//! `cache.namespace`: a prefix of every key the cache reads or writes, so that gateways of
//! several environments (staging, production) share one Redis without ever reading each
//! other's cards, counters or list of workspaces.
//!
//! The prefix (`<namespace>:`) is outside the `{…}` hash tag, so a customer's keys stay in
//! one Redis Cluster slot. It sits above the seal (see [`super::seal`]), which binds each
//! entry to its whole key: an entry copied from another namespace is refused, even with the
//! same entry key. With an ACL user whose key pattern is `~<namespace>:*`, Redis itself keeps
//! the environments apart (README, Caching).

use std::sync::Arc;
use std::time::Duration;

use super::store::{CacheStore, StoreError, Write};

/// A store whose keys all start with `<namespace>:`.
pub struct NamespacedStore {
    inner: Arc<dyn CacheStore>,
    prefix: String,
}

impl NamespacedStore {
    /// `inner` with every key prefixed by `namespace` and `:` (the namespace is validated by
    /// the config: no `{`, `}` or `:`).
    pub fn new(inner: Arc<dyn CacheStore>, namespace: &str) -> Self {
        Self { inner, prefix: format!("{namespace}:") }
    }

    fn key(&self, key: &str) -> String {
        let mut prefixed = String::with_capacity(self.prefix.len() + key.len());
        prefixed.push_str(&self.prefix);
        prefixed.push_str(key);
        prefixed
    }

    fn keys(&self, keys: &[String]) -> Vec<String> {
        keys.iter().map(|k| self.key(k)).collect()
    }
}

#[async_trait::async_trait]
impl CacheStore for NamespacedStore {
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        self.inner.get_many(&self.keys(keys)).await
    }

    async fn set_many(&self, writes: &[Write]) -> Result<(), StoreError> {
        let writes: Vec<Write> = writes.iter().map(|w| Write { key: self.key(&w.key), ..w.clone() }).collect();
        self.inner.set_many(&writes).await
    }

    async fn increment(&self, keys: &[String], ttl: Duration) -> Result<(), StoreError> {
        self.inner.increment(&self.keys(keys), ttl).await
    }

    async fn recent_members(&self, key: &str, max_age: Duration) -> Result<Vec<String>, StoreError> {
        self.inner.recent_members(&self.key(key), max_age).await
    }

    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{MemoryStore, WriteKind};

    #[tokio::test]
    async fn every_operation_reads_and_writes_prefixed_keys_only() {
        let shared: Arc<dyn CacheStore> = Arc::new(MemoryStore::new(100));
        let staging = NamespacedStore::new(shared.clone(), "staging");
        let production = NamespacedStore::new(shared.clone(), "production");
        let ttl = Duration::from_secs(60);

        staging.set_many(&[Write::entry("k".into(), "staging card".into(), ttl)]).await.unwrap();
        let member = Write { key: "ws".into(), value: "w_1".into(), ttl, kind: WriteKind::Member };
        staging.set_many(&[member]).await.unwrap();
        staging.increment(&["gen".into()], ttl).await.unwrap();

        let raw = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        assert_eq!(staging.get_many(&raw(&["k"])).await.unwrap(), vec![Some("staging card".into())]);
        assert_eq!(production.get_many(&raw(&["k", "gen"])).await.unwrap(), vec![None, None]);
        assert_eq!(shared.get_many(&raw(&["staging:k"])).await.unwrap(), vec![Some("staging card".into())]);
        assert!(shared.get_many(&raw(&["staging:gen"])).await.unwrap()[0].is_some(), "the counter is prefixed");
        assert_eq!(staging.recent_members("ws", ttl).await.unwrap(), vec!["w_1".to_owned()]);
        assert!(production.recent_members("ws", ttl).await.unwrap().is_empty());
        assert_eq!(shared.recent_members("staging:ws", ttl).await.unwrap(), vec!["w_1".to_owned()]);
    }
}
