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

use std::fmt::Write as _;

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
pub struct CardCacheKeys {
    /// The customer's generation counter.
    pub customer_generation: String,
    /// The card's generation counter for this customer.
    pub card_generation: String,
    /// The fresh copy.
    pub fresh: String,
}

impl CardCacheKeys {
    /// The stale (last good) copy: the fresh copy's key with `stale` for `card`. Only
    /// drawing and failing cards need it, so it is not built for every lookup.
    pub fn stale(&self) -> String {
        // The customer id inside `{c:…}` has no braces, so the first `}:card:` is the one.
        self.fresh.replacen("}:card:", "}:stale:", 1)
    }
}

fn customer_prefix(customer_id: &str) -> String {
    let mut prefix = String::with_capacity(NAMESPACE.len() + customer_id.len() + 10);
    let _ = write!(prefix, "{NAMESPACE}:v{CACHE_FORMAT_VERSION}:{{c:");
    // Braces would end the hash tag early; customer ids never contain them, but be safe.
    prefix.extend(customer_id.chars().filter(|c| *c != '{' && *c != '}'));
    prefix.push('}');
    prefix
}

/// The customer's generation key (bumped to invalidate all the customer's cards).
pub fn customer_generation_key(customer_id: &str) -> String {
    customer_generation_of(&customer_prefix(customer_id))
}

/// The card's generation key for this customer (bumped to invalidate one card).
pub fn card_generation_key(customer_id: &str, card_key: &str) -> String {
    card_generation_of(&customer_prefix(customer_id), card_key)
}

fn customer_generation_of(prefix: &str) -> String {
    cat(&[prefix, ":gen"])
}

fn card_generation_of(prefix: &str, card_key: &str) -> String {
    cat(&[prefix, ":gen:", card_key])
}

/// The keys of `card_key` with `scope` for `request` (see [`RequestKeys`] for many cards).
pub fn card_cache_keys(workspace_id: &str, card_key: &str, scope: Scope, request: &CardRequest) -> CardCacheKeys {
    RequestKeys::new(workspace_id, request).card(card_key, scope)
}

/// The keys of the cards of one request: what all of them share (the customer prefix, the
/// workspace, one hash per scope) is worked out once.
pub struct RequestKeys<'r> {
    request: &'r CardRequest,
    prefix: String,
    workspace: String,
    customer_generation: String,
    /// The scope hashes computed so far, by [`Scope`].
    hashes: [Option<String>; 3],
}

impl<'r> RequestKeys<'r> {
    pub fn new(workspace_id: &str, request: &'r CardRequest) -> Self {
        let prefix = customer_prefix(&request.customer.id);
        let mut workspace = String::with_capacity(workspace_id.len());
        workspace.extend(workspace_id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-'));
        Self {
            request,
            customer_generation: customer_generation_of(&prefix),
            prefix,
            workspace,
            hashes: Default::default(),
        }
    }

    /// The keys of `card_key` with `scope`.
    pub fn card(&mut self, card_key: &str, scope: Scope) -> CardCacheKeys {
        let request = self.request;
        let hash = self.hashes[scope_index(scope)].get_or_insert_with(|| scope_hash(scope, request));
        let (prefix, ws) = (&self.prefix, &self.workspace);
        CardCacheKeys {
            customer_generation: self.customer_generation.clone(),
            card_generation: card_generation_of(prefix, card_key),
            fresh: cat(&[prefix, ":card:", ws, ":", card_key, ":", hash]),
        }
    }
}

fn scope_index(scope: Scope) -> usize {
    match scope {
        Scope::Customer => 0,
        Scope::Thread => 1,
        Scope::Tenant => 2,
    }
}

/// `parts` joined, in one allocation.
fn cat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
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
        let r =
            request(r#"{"cardKeys":["usage"],"customer":{"id":"c_1","email":"ada@example.com","externalId":"cus_1"}}"#);
        let k = card_cache_keys("w_1", "usage", Scope::Customer, &r);
        assert!(k.fresh.starts_with("cardmesh:v1:{c:c_1}:card:w_1:usage:"), "{}", k.fresh);
        assert!(k.stale().starts_with("cardmesh:v1:{c:c_1}:stale:w_1:usage:"));
        assert_eq!(
            k.stale().strip_prefix("cardmesh:v1:{c:c_1}:stale:"),
            k.fresh.strip_prefix("cardmesh:v1:{c:c_1}:card:")
        );
        assert_eq!(k.customer_generation, "cardmesh:v1:{c:c_1}:gen");
        assert_eq!(k.card_generation, "cardmesh:v1:{c:c_1}:gen:usage");
        for key in [&k.fresh, &k.stale()] {
            assert!(!key.contains("ada") && !key.contains("example.com"));
        }
    }

    #[test]
    fn keys_of_one_request_match_keys_built_one_by_one() {
        let r = request(
            r#"{"cardKeys":[],"customer":{"id":"c{1}","externalId":"e"},"thread":{"id":"t"},"tenant":{"id":"n"}}"#,
        );
        let mut keys = RequestKeys::new("w 1", &r);
        for scope in [Scope::Thread, Scope::Customer, Scope::Tenant, Scope::Thread] {
            for card in ["a", "b"] {
                assert_eq!(keys.card(card, scope), card_cache_keys("w 1", card, scope, &r));
            }
        }
        assert_eq!(customer_generation_key("c{1}"), "cardmesh:v1:{c:c1}:gen");
        assert_eq!(card_generation_key("c{1}", "a"), "cardmesh:v1:{c:c1}:gen:a");
        assert!(keys.card("a", Scope::Customer).fresh.starts_with("cardmesh:v1:{c:c1}:card:w1:a:"));
    }

    #[test]
    fn thread_scope_separates_threads_customer_scope_does_not() {
        let a = request(r#"{"cardKeys":[],"customer":{"id":"c","email":"x"},"thread":{"id":"th_a"}}"#);
        let b = request(r#"{"cardKeys":[],"customer":{"id":"c","email":"y"},"thread":{"id":"th_b"}}"#);
        assert_eq!(card_cache_keys("w", "k", Scope::Customer, &a), card_cache_keys("w", "k", Scope::Customer, &b));
        assert_ne!(
            card_cache_keys("w", "k", Scope::Thread, &a).fresh,
            card_cache_keys("w", "k", Scope::Thread, &b).fresh
        );
        assert_eq!(
            card_cache_keys("w", "k", Scope::Tenant, &a).fresh,
            card_cache_keys("w", "k", Scope::Tenant, &b).fresh
        );
    }

    #[test]
    fn external_id_and_tenant_are_part_of_the_hash() {
        let a = request(r#"{"cardKeys":[],"customer":{"id":"c","externalId":"e1"},"tenant":{"id":"t1"}}"#);
        let b = request(r#"{"cardKeys":[],"customer":{"id":"c","externalId":"e2"},"tenant":{"id":"t2"}}"#);
        assert_ne!(
            card_cache_keys("w", "k", Scope::Customer, &a).fresh,
            card_cache_keys("w", "k", Scope::Customer, &b).fresh
        );
        let c = request(r#"{"cardKeys":[],"customer":{"id":"c","externalId":"e1"},"tenant":{"id":"t2"}}"#);
        assert_ne!(
            card_cache_keys("w", "k", Scope::Tenant, &a).fresh,
            card_cache_keys("w", "k", Scope::Tenant, &c).fresh
        );
        assert_eq!(
            card_cache_keys("w", "k", Scope::Customer, &a).fresh,
            card_cache_keys("w", "k", Scope::Customer, &c).fresh
        );
    }
}
