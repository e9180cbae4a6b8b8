//! Cache keys: versioned, namespaced, grouped per workspace and customer.
//!
//! ```text
//! cardmesh:v3:{w:<workspace>:c:<customer id>}:gen                        customer generation
//! cardmesh:v3:{w:<workspace>:c:<customer id>}:gen:<card key>             card generation
//! cardmesh:v3:{w:<workspace>:c:<customer id>}:card:<card key>:<h>        fresh card, TTL = card TTL
//! cardmesh:v3:{w:<workspace>:c:<customer id>}:stale:<card key>:<h>       last good copy, TTL + stale window
//! cardmesh:v3:{w:<workspace>:c:<customer id>}:drawing:<card key>:<h>     draw mark: the replica drawing the card, TTL = the draw's budget
//! cardmesh:v3:{w:<workspace>:c:<customer id>}:served:<t>:<n>             served ledger: what Plain holds in one context, TTL = the longest lifetime
//! cardmesh:v3:workspaces                                                 sorted set: workspace id → when a card was last stored for it
//! cardmesh:v3:action:<workspace>:<h>                                     action record: a delivery's outcome, TTL = actions.idempotency_window
//! ```
//!
//! - `<workspace>` (the `Plain-Workspace-Id` header, empty when absent) and `<customer id>`
//!   are percent-encoded: every byte outside `[A-Za-z0-9._-]` is written `%XX`. The encoding
//!   is injective, so `w.ws9`, `wws9` and `w ws9!` never share a key, and it leaves no `{`,
//!   `}` or `:` inside the hash tag.
//! - A customer id belongs to one Plain workspace: its generation counters and its cards are
//!   kept per workspace.
//! - `<h>` hashes every identifier the card service is sent that the card's scope covers
//!   (see [`scope_hash`]): for every scope the customer's id, email and external id; plus the
//!   thread's id and external id for thread scope, or the tenant's for tenant scope. The
//!   email is part of the hash, never of the key's text.
//! - `<t>` and `<n>` name the exact context Plain keeps a card instance for
//!   ([`super::served`]): the thread's id and the tenant's id, each `=` and the encoded id,
//!   or empty when absent. The ledger is per context, the cards per scope: a customer-scoped
//!   card has one cached copy for all of a customer's threads, and a place in one ledger
//!   entry per thread.
//! - A draw mark (`drawing`) is set (`SET NX`) by the one replica that draws a missed card
//!   and removed once its copy is written; other replicas wait for that copy instead of
//!   calling the service again ([`super::claim`]).
//! - The `{…}` hash tag keeps one workspace's customer in one Redis Cluster slot, so one
//!   MGET reads a request's cards, counters and ledger entries from one node in one round
//!   trip.

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

use crate::discovery::Scope;
use crate::plain::CardRequest;

/// Bump when the key layout or the stored value format changes: old entries are then
/// simply never read again and expire on their own.
pub const CACHE_FORMAT_VERSION: u32 = 3;

/// Prefix of every key.
pub const NAMESPACE: &str = "cardmesh";

/// Bytes written as `%XX` in keys: all but ASCII letters, digits, `.`, `_` and `-`. `%`
/// itself is encoded, which makes the encoding injective.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'_').remove(b'-');

/// The keys of one card for one request context.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CardCacheKeys {
    /// The customer's generation counter (in the request's workspace).
    pub customer_generation: String,
    /// The card's generation counter for this customer.
    pub card_generation: String,
    /// The fresh copy. Also the card's single-flight key: concurrent requests share a draw
    /// exactly when they would share the cached card.
    pub fresh: String,
}

impl CardCacheKeys {
    /// The stale (last good) copy: the fresh copy's key with `stale` for `card`. Only
    /// drawing and failing cards need it, so it is not built for every lookup.
    pub fn stale(&self) -> String {
        // The encoded ids inside `{…}` hold no `}`, so the first `}:card:` is the one.
        self.fresh.replacen("}:card:", "}:stale:", 1)
    }

    /// The draw mark (see [`super::claim`]): the fresh copy's key with `drawing` for `card`,
    /// in the same hash tag (the same Redis Cluster slot).
    pub fn drawing(&self) -> String {
        self.fresh.replacen("}:card:", "}:drawing:", 1)
    }

    /// The card's key, as written in the fresh copy's key.
    pub fn card_key(&self) -> &str {
        card_key_of(&self.fresh).unwrap_or_default()
    }
}

/// The key of the sorted set of workspaces cards were stored for (see
/// [`crate::cache::CardCache::invalidate`]).
pub fn workspaces_key() -> String {
    format!("{NAMESPACE}:v{CACHE_FORMAT_VERSION}:workspaces")
}

/// The record of one action delivery ([`super::records`]): `digest` is the delivery's
/// idempotency key (hex). Read and written alone, so it needs no hash tag.
pub fn action_record_key(workspace_id: &str, digest: &str) -> String {
    let mut key = format!("{NAMESPACE}:v{CACHE_FORMAT_VERSION}:action:");
    push_encoded(&mut key, workspace_id);
    key.push(':');
    push_encoded(&mut key, digest);
    key
}

/// `{NAMESPACE}:v{VERSION}:{w:<workspace>:c:<customer>`, up to the closing brace.
fn customer_prefix(workspace_id: &str, customer_id: &str) -> String {
    let mut prefix = String::with_capacity(NAMESPACE.len() + workspace_id.len() + customer_id.len() + 16);
    let _ = write!(prefix, "{NAMESPACE}:v{CACHE_FORMAT_VERSION}:{{w:");
    push_encoded(&mut prefix, workspace_id);
    prefix.push_str(":c:");
    push_encoded(&mut prefix, customer_id);
    prefix.push('}');
    prefix
}

/// Appends `id` percent-encoded (see [`ENCODED`]); ids that need no encoding, the usual
/// case, are copied as they are.
fn push_encoded(out: &mut String, id: &str) {
    if id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
        out.push_str(id);
    } else {
        out.extend(percent_encoding::utf8_percent_encode(id, ENCODED));
    }
}

/// The customer's generation key in `workspace_id` (bumped to invalidate all the
/// customer's cards there).
pub fn customer_generation_key(workspace_id: &str, customer_id: &str) -> String {
    customer_generation_of(&customer_prefix(workspace_id, customer_id))
}

/// The card's generation key for this customer in `workspace_id` (bumped to invalidate one
/// card).
pub fn card_generation_key(workspace_id: &str, customer_id: &str, card_key: &str) -> String {
    card_generation_of(&customer_prefix(workspace_id, customer_id), card_key)
}

/// True for a served-ledger entry's key (`…}:served:…`).
pub fn is_served(key: &str) -> bool {
    key.split_once('}').is_some_and(|(_, rest)| rest.starts_with(":served:"))
}

/// True for a generation counter's key (`…}:gen` or `…}:gen:<card key>`).
pub fn is_generation(key: &str) -> bool {
    // The encoded ids hold no `}`: the first one closes the hash tag.
    key.split_once('}').is_some_and(|(_, rest)| rest == ":gen" || rest.starts_with(":gen:"))
}

/// The card key of a card entry's or a card counter's key, for logs (the rest of the key
/// names the customer). `None` for a served-ledger entry's: it holds many cards.
pub fn card_key_of(key: &str) -> Option<&str> {
    let (_, rest) = key.split_once('}')?;
    let rest = ["card:", "stale:", "drawing:", "gen:"]
        .iter()
        .find_map(|kind| rest.strip_prefix(':')?.strip_prefix(kind))?;
    Some(rest.split(':').next().unwrap_or(rest))
}

fn customer_generation_of(prefix: &str) -> String {
    cat(&[prefix, ":gen"])
}

fn card_generation_of(prefix: &str, card_key: &str) -> String {
    cat(&[prefix, ":gen:", card_key])
}

/// The keys of `card_key` with `scope` for `request` (see [`RequestKeys`] for many cards).
#[cfg(any(test, feature = "test-util"))]
pub fn card_cache_keys(workspace_id: &str, card_key: &str, scope: Scope, request: &CardRequest) -> CardCacheKeys {
    RequestKeys::new(workspace_id, request).card(card_key, scope)
}

/// The keys of the cards of one request: what all of them share (the workspace and
/// customer prefix, one hash per scope) is worked out once.
pub struct RequestKeys<'r> {
    request: &'r CardRequest,
    prefix: String,
    customer_generation: String,
    /// The scope hashes computed so far, by [`Scope`].
    hashes: [Option<String>; 3],
}

impl<'r> RequestKeys<'r> {
    pub fn new(workspace_id: &str, request: &'r CardRequest) -> Self {
        let prefix = customer_prefix(workspace_id, &request.customer.id);
        Self {
            request,
            customer_generation: customer_generation_of(&prefix),
            prefix,
            hashes: Default::default(),
        }
    }

    /// The served-ledger key of this request's exact context: workspace, customer, thread
    /// and tenant (see [`super::served`]).
    pub fn served(&self) -> String {
        let request = self.request;
        let mut key = String::with_capacity(self.prefix.len() + 9 + 2 * 32);
        key.push_str(&self.prefix);
        key.push_str(":served");
        for id in [request.thread.as_ref().map(|t| t.id.as_str()), request.tenant.as_ref().map(|t| t.id.as_str())] {
            key.push(':');
            if let Some(id) = id {
                // `=` is encoded inside ids, so "absent" (empty) and any id stay apart.
                key.push('=');
                push_encoded(&mut key, id);
            }
        }
        key
    }

    /// The keys of `card_key` with `scope`.
    pub fn card(&mut self, card_key: &str, scope: Scope) -> CardCacheKeys {
        let request = self.request;
        let hash = self.hashes[scope_index(scope)].get_or_insert_with(|| scope_hash(scope, request));
        let prefix = &self.prefix;
        CardCacheKeys {
            customer_generation: self.customer_generation.clone(),
            card_generation: card_generation_of(prefix, card_key),
            fresh: cat(&[prefix, ":card:", card_key, ":", hash]),
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

/// Hash (SHA-256, first 96 bits, hex) of the identifiers a card of `scope` may depend on,
/// each tagged and length-prefixed so that no two contexts hash the same input:
///
/// - every scope: the customer's id, email and external id (the services find customers by
///   email, so a customer id seen with another email is another card);
/// - thread scope: plus the thread's id and external id;
/// - tenant scope: plus the tenant's id and external id.
///
/// The workspace is in the key's prefix. A customer-scoped card is shared across threads
/// and tenants: its service declared (in `Describe`) that it does not depend on them.
///
/// Each part is one tag byte, then `0` when absent, or `1`, the length (4 bytes) and the
/// bytes: a typical customer (ids of about 10 bytes, an email of about 20) fits one SHA-256
/// block.
fn scope_hash(scope: Scope, request: &CardRequest) -> String {
    let mut h = Sha256::new();
    let mut part = |tag: u8, value: Option<&str>| match value {
        Some(v) => {
            h.update([tag, 1]);
            h.update(u32::try_from(v.len()).unwrap_or(u32::MAX).to_be_bytes());
            h.update(v.as_bytes());
        }
        None => h.update([tag, 0]),
    };
    let customer = &request.customer;
    part(b'c', Some(&customer.id));
    part(b'e', customer.email.as_deref());
    part(b'x', customer.external_id.as_deref());
    match scope {
        Scope::Customer => {}
        Scope::Thread => {
            let thread = request.thread.as_ref();
            part(b't', thread.map(|t| t.id.as_str()));
            part(b'T', thread.and_then(|t| t.external_id.as_deref()));
        }
        Scope::Tenant => {
            let tenant = request.tenant.as_ref();
            part(b'n', tenant.map(|t| t.id.as_str()));
            part(b'N', tenant.and_then(|t| t.external_id.as_deref()));
        }
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

    fn customer(id: &str, email: Option<&str>) -> CardRequest {
        let email = email.map_or("null".to_owned(), |e| format!("{e:?}"));
        request(&format!(r#"{{"cardKeys":[],"customer":{{"id":{id:?},"email":{email},"externalId":"e"}}}}"#))
    }

    #[test]
    fn layout_is_versioned_namespaced_and_has_no_email() {
        let r =
            request(r#"{"cardKeys":["usage"],"customer":{"id":"c_1","email":"ada@example.com","externalId":"cus_1"}}"#);
        let k = card_cache_keys("w_1", "usage", Scope::Customer, &r);
        assert!(k.fresh.starts_with("cardmesh:v3:{w:w_1:c:c_1}:card:usage:"), "{}", k.fresh);
        assert!(k.stale().starts_with("cardmesh:v3:{w:w_1:c:c_1}:stale:usage:"));
        assert_eq!(
            k.stale().strip_prefix("cardmesh:v3:{w:w_1:c:c_1}:stale:"),
            k.fresh.strip_prefix("cardmesh:v3:{w:w_1:c:c_1}:card:")
        );
        assert_eq!(k.customer_generation, "cardmesh:v3:{w:w_1:c:c_1}:gen");
        assert_eq!(k.card_generation, "cardmesh:v3:{w:w_1:c:c_1}:gen:usage");
        assert_eq!(customer_generation_key("w_1", "c_1"), k.customer_generation);
        assert_eq!(card_generation_key("w_1", "c_1", "usage"), k.card_generation);
        for key in [&k.fresh, &k.stale()] {
            assert!(!key.contains("ada") && !key.contains("example.com"));
        }
        assert_eq!(workspaces_key(), "cardmesh:v3:workspaces");
        let served = RequestKeys::new("w_1", &r).served();
        assert_eq!(served, "cardmesh:v3:{w:w_1:c:c_1}:served::");
        assert!(is_served(&served) && !is_served(&k.fresh) && !is_generation(&served));
        assert_eq!(card_key_of(&served), None, "a ledger entry holds many cards");
        assert_eq!(k.card_key(), "usage");
        assert!(is_generation(&k.customer_generation) && is_generation(&k.card_generation));
        assert!(!is_generation(&k.fresh) && !is_generation(&k.stale()) && !is_generation(&workspaces_key()));
        assert_eq!(card_key_of(&k.fresh), Some("usage"));
        assert_eq!(card_key_of(&k.stale()), Some("usage"));
        // The draw mark: the fresh copy's key, `drawing` for `card`, in the same hash tag.
        assert_eq!(
            k.drawing().strip_prefix("cardmesh:v3:{w:w_1:c:c_1}:drawing:"),
            k.fresh.strip_prefix("cardmesh:v3:{w:w_1:c:c_1}:card:")
        );
        assert_eq!(card_key_of(&k.drawing()), Some("usage"));
        assert!(!is_served(&k.drawing()) && !is_generation(&k.drawing()));
        assert_eq!(card_key_of(&k.card_generation), Some("usage"));
        assert_eq!(card_key_of(&k.customer_generation), None);
    }

    #[test]
    fn workspace_and_customer_ids_are_encoded_injectively_inside_one_hash_tag() {
        let r = customer("c{1}:x", None);
        let mut seen = std::collections::HashSet::new();
        for workspace in ["w.ws9", "wws9", "w ws9!", "w%20ws9!", "w:ws9", "w}ws9", ""] {
            let k = card_cache_keys(workspace, "a", Scope::Customer, &r);
            for key in [&k.customer_generation, &k.card_generation, &k.fresh] {
                let tag = &key[key.find('{').unwrap() + 1..key.find('}').unwrap()];
                assert!(!tag.contains('{'), "{key}");
                assert_eq!(tag.matches(':').count(), 3, "w:<ws>:c:<customer> only: {key}");
            }
            assert!(seen.insert(k.customer_generation.clone()), "{workspace:?} shares counters");
            assert!(seen.insert(k.fresh), "{workspace:?} shares cards");
        }
        assert_eq!(customer_generation_key("w ws9!", "c{1}:x"), "cardmesh:v3:{w:w%20ws9%21:c:c%7B1%7D%3Ax}:gen");
        assert_ne!(customer_generation_key("a:c:b", "x"), customer_generation_key("a", "b:c:x"));
        assert_ne!(customer_generation_key("w", "c{1}"), customer_generation_key("w", "c1"));
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
        assert_eq!(card_generation_key("w 1", "c{1}", "a"), "cardmesh:v3:{w:w%201:c:c%7B1%7D}:gen:a");
        assert!(keys.card("a", Scope::Customer).fresh.starts_with("cardmesh:v3:{w:w%201:c:c%7B1%7D}:card:a:"));
    }

    #[test]
    fn the_email_is_part_of_every_scope_but_never_of_the_counters() {
        let ada = customer("c", Some("ada@example.com"));
        let eve = customer("c", Some("eve@example.com"));
        let none = customer("c", None);
        let empty = customer("c", Some(""));
        for scope in [Scope::Customer, Scope::Thread, Scope::Tenant] {
            let keys: Vec<_> = [&ada, &eve, &none, &empty].map(|r| card_cache_keys("w", "k", scope, r)).into();
            for (i, a) in keys.iter().enumerate() {
                for b in &keys[i + 1..] {
                    assert_ne!(a.fresh, b.fresh, "{scope:?}");
                    assert_eq!(
                        (&a.customer_generation, &a.card_generation),
                        (&b.customer_generation, &b.card_generation)
                    );
                }
            }
        }
    }

    #[test]
    fn thread_scope_separates_threads_customer_scope_does_not() {
        let a = request(r#"{"cardKeys":[],"customer":{"id":"c","email":"x"},"thread":{"id":"th_a"}}"#);
        let b = request(r#"{"cardKeys":[],"customer":{"id":"c","email":"x"},"thread":{"id":"th_b"}}"#);
        assert_eq!(card_cache_keys("w", "k", Scope::Customer, &a), card_cache_keys("w", "k", Scope::Customer, &b));
        assert_ne!(
            card_cache_keys("w", "k", Scope::Thread, &a).fresh,
            card_cache_keys("w", "k", Scope::Thread, &b).fresh
        );
        assert_eq!(
            card_cache_keys("w", "k", Scope::Tenant, &a).fresh,
            card_cache_keys("w", "k", Scope::Tenant, &b).fresh
        );
        let renamed =
            request(r#"{"cardKeys":[],"customer":{"id":"c","email":"x"},"thread":{"id":"th_a","externalId":"T-1"}}"#);
        assert_ne!(
            card_cache_keys("w", "k", Scope::Thread, &a).fresh,
            card_cache_keys("w", "k", Scope::Thread, &renamed).fresh,
            "the thread's external id is sent to the service, so it is part of a thread card's key"
        );
    }

    #[test]
    fn the_ledger_is_per_exact_context_thread_and_tenant_included_email_not() {
        let served = |json: &str| RequestKeys::new("w", &request(json)).served();
        let base = served(
            r#"{"cardKeys":[],"customer":{"id":"c","email":"a@x"},"thread":{"id":"th_1"},"tenant":{"id":"te_1"}}"#,
        );
        assert_eq!(base, "cardmesh:v3:{w:w:c:c}:served:=th_1:=te_1");
        let variants = [
            r#"{"cardKeys":[],"customer":{"id":"c","email":"a@x"},"thread":{"id":"th_2"},"tenant":{"id":"te_1"}}"#,
            r#"{"cardKeys":[],"customer":{"id":"c","email":"a@x"},"thread":{"id":"th_1"},"tenant":{"id":"te_2"}}"#,
            r#"{"cardKeys":[],"customer":{"id":"c","email":"a@x"},"thread":{"id":"th_1"}}"#,
            r#"{"cardKeys":[],"customer":{"id":"c","email":"a@x"},"tenant":{"id":"te_1"}}"#,
            r#"{"cardKeys":[],"customer":{"id":"c","email":"a@x"},"thread":{"id":""},"tenant":{"id":"te_1"}}"#,
            r#"{"cardKeys":[],"customer":{"id":"c","email":"a@x"},"thread":{"id":"th_1:=te_1"}}"#,
            r#"{"cardKeys":[],"customer":{"id":"c2","email":"a@x"},"thread":{"id":"th_1"},"tenant":{"id":"te_1"}}"#,
        ];
        let mut seen = std::collections::HashSet::from([base.clone()]);
        for json in variants {
            assert!(seen.insert(served(json)), "{json} shares a ledger entry");
        }
        let other_email = served(
            r#"{"cardKeys":[],"customer":{"id":"c","email":"b@x","externalId":"e"},"thread":{"id":"th_1","externalId":"T"},"tenant":{"id":"te_1"}}"#,
        );
        assert_eq!(other_email, base, "Plain keeps one instance per customer, card and thread");
        assert!(!base.contains("a@x"));
    }

    #[test]
    fn external_ids_and_tenant_are_part_of_the_hash() {
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
        let d = request(
            r#"{"cardKeys":[],"customer":{"id":"c","externalId":"e1"},"tenant":{"id":"t1","externalId":"acme"}}"#,
        );
        assert_ne!(
            card_cache_keys("w", "k", Scope::Tenant, &a).fresh,
            card_cache_keys("w", "k", Scope::Tenant, &d).fresh
        );
    }
}
