//! Cache keys: versioned, namespaced, grouped per customer.
//!
//! ```text
//! cardmesh:v1:{c:<customer id>}:gen                              customer generation
//! cardmesh:v1:{c:<customer id>}:gen:<card key>                   card generation
//! cardmesh:v1:{c:<customer id>}:card:<workspace>:<card key>:<h>  fresh card, TTL = card TTL
//! cardmesh:v1:{c:<customer id>}:stale:<workspace>:<card key>:<h> last good copy, TTL + stale window
//! ```
//!
//! `<h>` hashes exactly the context the card's scope depends on, so the email never appears
//! in a key. The `{…}` hash tag keeps one customer's keys in one Redis Cluster slot, so one
//! MGET reads them all.

use sha2::{Digest, Sha256};

use crate::plain::CardRequest;
use crate::route::Scope;

/// Bump when the key layout or the stored value format changes: old entries are then
/// simply never read again and expire on their own.
pub const CACHE_FORMAT_VERSION: u32 = 1;

/// Prefix of every key.
pub const NAMESPACE: &str = "cardmesh";

/// The keys of one card for one request context.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CardKeys {
    /// The customer's generation counter.
    pub customer_generation: String,
    /// The card's generation counter for this customer.
    pub card_generation: String,
    /// The fresh copy.
    pub fresh: String,
    /// The stale (last good) copy.
    pub stale: String,
}

fn customer_prefix(customer_id: &str) -> String {
    // Braces would end the hash tag early; customer ids never contain them, but be safe.
    let id: String = customer_id.chars().filter(|c| *c != '{' && *c != '}').collect();
    format!("{NAMESPACE}:v{CACHE_FORMAT_VERSION}:{{c:{id}}}")
}

/// The customer's generation key (bumped to invalidate all the customer's cards).
pub fn customer_generation_key(customer_id: &str) -> String {
    format!("{}:gen", customer_prefix(customer_id))
}

/// The card's generation key for this customer (bumped to invalidate one card).
pub fn card_generation_key(customer_id: &str, card_key: &str) -> String {
    format!("{}:gen:{card_key}", customer_prefix(customer_id))
}

/// The keys of `card_key` with `scope` for `request`.
pub fn card_keys(workspace_id: &str, card_key: &str, scope: Scope, request: &CardRequest) -> CardKeys {
    let prefix = customer_prefix(&request.customer.id);
    let hash = scope_hash(scope, request);
    let mut ws = String::with_capacity(workspace_id.len());
    ws.extend(workspace_id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-'));
    let cat = |parts: &[&str]| {
        let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        for p in parts { s.push_str(p); }
        s
    };
    CardKeys {
        customer_generation: cat(&[&prefix, ":gen"]),
        card_generation: cat(&[&prefix, ":gen:", card_key]),
        fresh: cat(&[&prefix, ":card:", &ws, ":", card_key, ":", &hash]),
        stale: cat(&[&prefix, ":stale:", &ws, ":", card_key, ":", &hash]),
    }
}

/// Hash of what the scope depends on: customer id + external id, plus the thread id for
/// thread scope, plus the tenant id for tenant scope.
fn scope_hash(scope: Scope, request: &CardRequest) -> String {
    let mut h = Sha256::new();
    let mut part = |label: &str, value: Option<&str>| {
        h.update(label.as_bytes());
        match value {
            Some(v) => {
                h.update([1u8]);
                h.update((v.len() as u64).to_be_bytes());
                h.update(v.as_bytes());
            }
            None => h.update([0u8]),
        }
    };
    part("customer", Some(&request.customer.id));
    part("external", request.customer.external_id.as_deref());
    match scope {
        Scope::Customer => {}
        Scope::Thread => part("thread", request.thread.as_ref().map(|t| t.id.as_str())),
        Scope::Tenant => part("tenant", request.tenant.as_ref().map(|t| t.id.as_str())),
    }
    hex::encode(&h.finalize()[..12])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plain::parse_request;

    fn request(json: &str) -> CardRequest {
        parse_request(json.as_bytes(), 25).unwrap().0
    }

    #[test]
    fn layout_is_versioned_namespaced_and_has_no_email() {
        let r = request(r#"{"cardKeys":["usage"],"customer":{"id":"c_1","email":"ada@example.com","externalId":"cus_1"}}"#);
        let k = card_keys("w_1", "usage", Scope::Customer, &r);
        assert!(k.fresh.starts_with("cardmesh:v1:{c:c_1}:card:w_1:usage:"), "{}", k.fresh);
        assert!(k.stale.starts_with("cardmesh:v1:{c:c_1}:stale:w_1:usage:"));
        assert_eq!(k.customer_generation, "cardmesh:v1:{c:c_1}:gen");
        assert_eq!(k.card_generation, "cardmesh:v1:{c:c_1}:gen:usage");
        for key in [&k.fresh, &k.stale] {
            assert!(!key.contains("ada") && !key.contains("example.com"));
        }
    }

    #[test]
    fn thread_scope_separates_threads_customer_scope_does_not() {
        let a = request(r#"{"cardKeys":[],"customer":{"id":"c","email":"x"},"thread":{"id":"th_a"}}"#);
        let b = request(r#"{"cardKeys":[],"customer":{"id":"c","email":"y"},"thread":{"id":"th_b"}}"#);
        assert_eq!(card_keys("w", "k", Scope::Customer, &a), card_keys("w", "k", Scope::Customer, &b));
        assert_ne!(card_keys("w", "k", Scope::Thread, &a).fresh, card_keys("w", "k", Scope::Thread, &b).fresh);
        assert_eq!(card_keys("w", "k", Scope::Tenant, &a).fresh, card_keys("w", "k", Scope::Tenant, &b).fresh);
    }

    #[test]
    fn external_id_and_tenant_are_part_of_the_hash() {
        let a = request(r#"{"cardKeys":[],"customer":{"id":"c","externalId":"e1"},"tenant":{"id":"t1"}}"#);
        let b = request(r#"{"cardKeys":[],"customer":{"id":"c","externalId":"e2"},"tenant":{"id":"t2"}}"#);
        assert_ne!(card_keys("w", "k", Scope::Customer, &a).fresh, card_keys("w", "k", Scope::Customer, &b).fresh);
        let c = request(r#"{"cardKeys":[],"customer":{"id":"c","externalId":"e1"},"tenant":{"id":"t2"}}"#);
        assert_ne!(card_keys("w", "k", Scope::Tenant, &a).fresh, card_keys("w", "k", Scope::Tenant, &c).fresh);
        assert_eq!(card_keys("w", "k", Scope::Customer, &a).fresh, card_keys("w", "k", Scope::Customer, &c).fresh);
    }
}
