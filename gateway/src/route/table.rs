//! The routing table: card key -> service and card definition.

use std::collections::HashMap;
use std::sync::Arc;

use cardmesh_proto::{CardDefinition, CardScope};

/// What a card's data depends on (from `Describe`); decides what its cache key contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Customer,
    Thread,
    Tenant,
}

impl Scope {
    fn from_proto(value: i32) -> Self {
        match CardScope::try_from(value) {
            Ok(CardScope::Thread) => Scope::Thread,
            Ok(CardScope::Tenant) => Scope::Tenant,
            _ => Scope::Customer,
        }
    }
}

/// One routable card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardInfo {
    pub key: String,
    pub title: String,
    /// The service's default TTL for the card; `None` when it left it at 0.
    pub default_ttl_seconds: Option<u32>,
    pub scope: Scope,
    /// Index of the owning service in the configured service list.
    pub service: usize,
    /// The owning service's name, for logs.
    pub service_name: Arc<str>,
}

/// What the table says about a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    Routed(&'a CardInfo),
    /// No described service owns the key, and every service has been described: no data.
    Unknown,
    /// No described service owns the key, but some service has not answered `Describe`
    /// yet; the key may be one of its cards, so the card is treated as unavailable.
    Undiscovered,
}

/// The routing table at one moment. Cheap to share: readers hold an `Arc` of it.
#[derive(Debug, Default)]
pub struct RoutingTable {
    routes: HashMap<String, CardInfo>,
    undescribed: usize,
}

/// A `Describe` answer of one service.
#[derive(Debug, Clone)]
pub struct Described {
    pub service_name: Arc<str>,
    pub cards: Vec<CardDefinition>,
}

/// A problem found while building the table (logged by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableProblem {
    Conflict { key: String, kept: Arc<str>, dropped: Arc<str> },
    InvalidKey { key: String, service: Arc<str> },
}

impl RoutingTable {
    /// Builds the table from the services' last answers, in configured order (`None`: the
    /// service has not answered yet). The first service to claim a key keeps it.
    pub fn build(described: &[Option<Described>]) -> (Self, Vec<TableProblem>) {
        let mut routes: HashMap<String, CardInfo> = HashMap::new();
        let mut problems = Vec::new();
        for (service, d) in described.iter().enumerate() {
            let Some(d) = d else { continue };
            for card in &d.cards {
                if !crate::plain::is_valid_key(&card.key) {
                    problems.push(TableProblem::InvalidKey { key: card.key.clone(), service: d.service_name.clone() });
                    continue;
                }
                if let Some(existing) = routes.get(&card.key) {
                    problems.push(TableProblem::Conflict {
                        key: card.key.clone(),
                        kept: existing.service_name.clone(),
                        dropped: d.service_name.clone(),
                    });
                    continue;
                }
                routes.insert(
                    card.key.clone(),
                    CardInfo {
                        key: card.key.clone(),
                        title: card.title.clone(),
                        default_ttl_seconds: Some(card.default_ttl_seconds).filter(|t| *t > 0),
                        scope: Scope::from_proto(card.scope),
                        service,
                        service_name: d.service_name.clone(),
                    },
                );
            }
        }
        let undescribed = described.iter().filter(|d| d.is_none()).count();
        (Self { routes, undescribed }, problems)
    }

    /// Where `key` goes.
    pub fn lookup(&self, key: &str) -> Lookup<'_> {
        match self.routes.get(key) {
            Some(info) => Lookup::Routed(info),
            None if self.undescribed > 0 => Lookup::Undiscovered,
            None => Lookup::Unknown,
        }
    }

    /// Every routable card, ordered by owning service (configured order), then key.
    pub fn cards(&self) -> Vec<&CardInfo> {
        let mut cards: Vec<&CardInfo> = self.routes.values().collect();
        cards.sort_by(|a, b| (a.service, &a.key).cmp(&(b.service, &b.key)));
        cards
    }

    /// Number of routable keys.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// True when no key is routable.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Number of services that have not answered `Describe` yet.
    pub fn undescribed(&self) -> usize {
        self.undescribed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(key: &str, scope: CardScope) -> CardDefinition {
        CardDefinition { key: key.into(), title: key.into(), default_ttl_seconds: 60, scope: scope as i32 }
    }

    #[test]
    fn first_service_keeps_a_conflicting_key() {
        let a = Described { service_name: "a".into(), cards: vec![def("x", CardScope::Customer)] };
        let b = Described {
            service_name: "b".into(),
            cards: vec![def("x", CardScope::Thread), def("y", CardScope::Thread), def("bad key", CardScope::Customer)],
        };
        let (table, problems) = RoutingTable::build(&[Some(a), Some(b)]);
        let Lookup::Routed(x) = table.lookup("x") else { panic!("x routed") };
        assert_eq!((x.service, x.scope), (0, Scope::Customer));
        let Lookup::Routed(y) = table.lookup("y") else { panic!("y routed") };
        assert_eq!((y.service, y.scope), (1, Scope::Thread));
        assert_eq!(table.lookup("z"), Lookup::Unknown);
        assert_eq!(problems.len(), 2);
        assert!(matches!(&problems[0], TableProblem::Conflict { key, kept, .. } if key == "x" && &**kept == "a"));
    }

    #[test]
    fn unknown_keys_are_undiscovered_while_a_service_is_silent() {
        let a = Described { service_name: "a".into(), cards: vec![def("x", CardScope::Unspecified)] };
        let (table, _) = RoutingTable::build(&[Some(a), None]);
        assert_eq!(table.lookup("nope"), Lookup::Undiscovered);
        let Lookup::Routed(x) = table.lookup("x") else { panic!() };
        assert_eq!(x.scope, Scope::Customer);
        assert_eq!(table.undescribed(), 1);
    }
}
