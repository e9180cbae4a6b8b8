//! The defaults of the configuration's sections (each field's doc comment states its default).

use std::time::Duration;

use super::{CacheSettings, Discovery, Fallback, Fanout, Limits};

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            redis_url: None,
            redis_username: None,
            redis_password: None,
            redis_password_file: None,
            redis_tls: Default::default(),
            namespace: None,
            required_to_start: false,
            start_timeout: Duration::from_secs(10),
            entry_key: None,
            memory_capacity: 10_000,
            default_ttl: Duration::from_secs(300),
            max_ttl: Duration::from_secs(24 * 3600),
            stale_window: Duration::from_secs(24 * 3600),
            read_timeout: Duration::from_millis(100),
            write_timeout: Duration::from_millis(500),
            connect_timeout: Duration::from_millis(500),
            failure_threshold: 3,
            cooldown: Duration::from_secs(5),
            write_queue: 10_000,
            near_ttl: Duration::from_secs(1),
            duplicate_window: Duration::from_secs(2),
            near_capacity: 10_000,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 * 1024,
            max_card_keys: cardmesh_rules::MAX_KEYS_PER_REQUEST,
            max_card_bytes: 32 * 1024,
            max_response_bytes: 256 * 1024,
        }
    }
}

impl Default for Fanout {
    fn default() -> Self {
        Self {
            service_deadline: Duration::from_secs(2),
            overall_budget: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(1),
        }
    }
}

impl Default for Discovery {
    fn default() -> Self {
        Self {
            refresh_interval: Duration::from_secs(30),
            retry_interval: Duration::from_secs(1),
            describe_timeout: Duration::from_secs(2),
        }
    }
}

impl Default for Fallback {
    fn default() -> Self {
        Self {
            ttl_seconds: 30,
            text: "This data is temporarily unavailable. It will be loaded again shortly.".to_owned(),
        }
    }
}
