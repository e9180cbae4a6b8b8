//! Where a gateway under test caches: the in-process store, or a real `redis-server` on
//! loopback (feature `redis`). [`both_stores!`](crate::both_stores) runs one scenario
//! against each.

#[cfg(feature = "redis")]
use crate::redis::RedisServer;

/// The store a test gateway caches in.
pub enum Store {
    /// The gateway's in-process store (no `cache.redis_url`).
    Memory,
    /// A `redis-server` process of this test's own.
    #[cfg(feature = "redis")]
    Redis(Box<RedisServer>),
}

impl Store {
    /// A new `redis-server` on 127.0.0.1.
    #[cfg(feature = "redis")]
    pub async fn redis() -> Self {
        Store::Redis(Box::new(RedisServer::start().await))
    }

    /// The Redis URL for the gateway's `cache.redis_url`; none for the in-process store.
    pub fn redis_url(&self) -> Option<String> {
        match self {
            Store::Memory => None,
            #[cfg(feature = "redis")]
            Store::Redis(redis) => Some(redis.url()),
        }
    }
}

/// `both_stores!(scenario: memory_test, redis_test)` declares two tests that run the async
/// `scenario(store: Store)`: one with [`Store::Memory`], one with a real Redis (only with
/// the `redis` feature of `cardmesh-tests`).
#[macro_export]
macro_rules! both_stores {
    ($scenario:ident: $memory:ident, $redis:ident) => {
        #[tokio::test]
        async fn $memory() {
            $scenario($crate::store::Store::Memory).await;
        }
        #[cfg(feature = "redis")]
        #[tokio::test]
        async fn $redis() {
            $scenario($crate::store::Store::redis().await).await;
        }
    };
}
