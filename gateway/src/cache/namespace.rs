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

    fn shares_draws(&self) -> bool {
        self.inner.shares_draws()
    }

    async fn claim(&self, marks: &[String], value: &str, ttl: Duration) -> Result<Vec<Option<String>>, StoreError> {
        self.inner.claim(&self.keys(marks), value, ttl).await
    }

    async fn peek(&self, keys: &[String], mark: &str) -> Result<(Vec<Option<String>>, bool), StoreError> {
        self.inner.peek(&self.keys(keys), &self.key(mark)).await
    }

    async fn release(&self, marks: &[String], value: &str) -> Result<(), StoreError> {
        self.inner.release(&self.keys(marks), value).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::cache::{MemoryStore, WriteKind};

    /// A store shared by replicas that records the keys of the draw-mark calls.
    #[derive(Default)]
    struct Marks(Mutex<Vec<String>>);

    #[async_trait::async_trait]
    impl CacheStore for Marks {
        async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
            Ok(vec![None; keys.len()])
        }
        async fn set_many(&self, _: &[Write]) -> Result<(), StoreError> {
            Ok(())
        }
        async fn increment(&self, _: &[String], _: Duration) -> Result<(), StoreError> {
            Ok(())
        }
        async fn recent_members(&self, _: &str, _: Duration) -> Result<Vec<String>, StoreError> {
            Ok(Vec::new())
        }
        fn kind(&self) -> &'static str {
            "marks"
        }
        fn shares_draws(&self) -> bool {
            true
        }
        async fn claim(&self, marks: &[String], _: &str, _: Duration) -> Result<Vec<Option<String>>, StoreError> {
            self.0.lock().unwrap().extend(marks.iter().cloned());
            Ok(vec![None; marks.len()])
        }
        async fn peek(&self, keys: &[String], mark: &str) -> Result<(Vec<Option<String>>, bool), StoreError> {
            self.0.lock().unwrap().extend(keys.iter().cloned().chain([mark.to_owned()]));
            Ok((vec![None; keys.len()], false))
        }
        async fn release(&self, marks: &[String], _: &str) -> Result<(), StoreError> {
            self.0.lock().unwrap().extend(marks.iter().cloned());
            Ok(())
        }
    }

    #[tokio::test]
    async fn draw_marks_are_shared_and_prefixed_too() {
        let shared = Arc::new(Marks::default());
        let staging = NamespacedStore::new(shared.clone(), "staging");
        assert!(staging.shares_draws(), "a namespace must not turn shared draws off");
        let ttl = Duration::from_secs(1);
        staging.claim(&["m".into()], "r", ttl).await.unwrap();
        staging.peek(&["k".into()], "m").await.unwrap();
        staging.release(&["m".into()], "r").await.unwrap();
        assert_eq!(*shared.0.lock().unwrap(), ["staging:m", "staging:k", "staging:m", "staging:m"]);
    }

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
