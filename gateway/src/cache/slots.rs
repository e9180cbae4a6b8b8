//! Redis Cluster slots: a command or a pipeline (and a `MULTI`) must address keys of one slot.
//!
//! - A lookup's keys share their customer's `{…}` hash tag (see `super::key`), so its one
//!   `MGET` goes to one node in one round trip; [`assert_one_slot`] checks it in debug builds
//!   (every test), so a key added to a lookup without the tag is caught at once.
//! - The writer's batches and an invalidation mix customers (and the workspaces' sorted set):
//!   in cluster mode they are split per slot ([`by_slot`]), one pipeline per slot, sent at
//!   once.

use redis::cluster_routing::Slot;

/// The slot of `key` (its hash tag's when it has one).
pub fn slot_of(key: &str) -> Slot {
    Slot::for_key(key)
}

/// Panics in debug builds when `keys` span more than one slot: one command of the store
/// would then be refused by Redis Cluster (`CROSSSLOT`), or split by the client into several
/// round trips.
pub fn assert_one_slot(keys: &[String]) {
    if cfg!(debug_assertions) {
        if let Some(first) = keys.first() {
            let slot = slot_of(first);
            if let Some(other) = keys.iter().find(|k| slot_of(k) != slot) {
                panic!("one cache read spans two Redis Cluster slots: {first:?} and {other:?}; give every key of a lookup the customer's {{…}} hash tag");
            }
        }
    }
}

/// `items` grouped by the slot of `key(item)`, each group in the items' order, groups in the
/// order of their first item. With `split` false (one server), one group.
pub fn by_slot<T>(items: &[T], key: impl Fn(&T) -> &str, split: bool) -> Vec<Vec<&T>> {
    if !split {
        return if items.is_empty() { Vec::new() } else { vec![items.iter().collect()] };
    }
    let mut groups: Vec<(Slot, Vec<&T>)> = Vec::new();
    for item in items {
        let slot = slot_of(key(item));
        match groups.iter_mut().find(|(s, _)| *s == slot) {
            Some((_, group)) => group.push(item),
            None => groups.push((slot, vec![item])),
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::key::{card_cache_keys, customer_generation_key, workspaces_key};
    use crate::discovery::Scope;
    use crate::plain::parse_request;

    #[test]
    fn every_key_of_one_lookup_is_in_one_slot_whatever_the_ids_and_the_namespace() {
        let request = parse_request(
            br#"{"cardKeys":[],"customer":{"id":"c{1}:x","email":"a@b.c"},"thread":{"id":"t"},"tenant":{"id":"n"}}"#,
            25,
        )
        .unwrap()
        .0;
        for workspace in ["w_1", "w}{", ""] {
            let mut keys = Vec::new();
            for (card, scope) in [("a", Scope::Customer), ("b", Scope::Thread), ("c", Scope::Tenant)] {
                let k = card_cache_keys(workspace, card, scope, &request);
                keys.extend([k.customer_generation.clone(), k.card_generation.clone(), k.stale(), k.fresh]);
            }
            assert_one_slot(&keys);
            let namespaced: Vec<String> = keys.iter().map(|k| format!("staging:{k}")).collect();
            assert_one_slot(&namespaced);
            assert_eq!(slot_of(&namespaced[0]), slot_of(&keys[0]), "the namespace is outside the hash tag");
        }
    }

    #[test]
    #[should_panic(expected = "spans two Redis Cluster slots")]
    fn a_lookup_across_customers_is_caught() {
        assert_one_slot(&[customer_generation_key("w", "c1"), customer_generation_key("w", "c2")]);
    }

    #[test]
    fn writes_are_grouped_per_slot_in_order_only_in_cluster_mode() {
        let keys = [
            customer_generation_key("w", "c1"),
            workspaces_key(),
            customer_generation_key("w", "c2"),
            format!("{}:x", customer_generation_key("w", "c1")),
        ];
        let groups = by_slot(&keys, String::as_str, true);
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0], vec![&keys[0], &keys[3]]);
        assert_eq!(groups[1], vec![&keys[1]]);
        assert_eq!(groups[2], vec![&keys[2]]);
        assert_eq!(by_slot(&keys, String::as_str, false), vec![keys.iter().collect::<Vec<_>>()]);
        assert!(by_slot(&[] as &[String], String::as_str, false).is_empty());
    }

    #[test]
    fn slots_are_redis_cluster_slots() {
        // CLUSTER KEYSLOT answers: foo 12182, {user1000}.following 3443.
        assert_eq!(slot_of("foo"), Slot::new(12182).unwrap());
        assert_eq!(slot_of("{user1000}.following"), Slot::new(3443).unwrap());
        assert_eq!(slot_of("x{user1000}.followers"), slot_of("{user1000}.following"));
    }
}
