//! The routing table: card key -> service and card definition.
//!
//! Who owns a key:
//! - a key's owner keeps it as long as its last known `Describe` answer claims it, whether
//!   the service answers now or not (a service that stops answering keeps its last known
//!   cards), and whoever else claims it meanwhile;
//! - a key nobody owns yet goes to the first configured service that claims it;
//! - an owner is *settled* once every service listed before it has described itself. Until
//!   then (a service listed earlier was down when the gateway started, so its claims are not
//!   known) the ownership is provisional: when that earlier service turns out to claim the
//!   key, it gets it, as it would have at a start with every service up.
//!
//! Every other claim on an owned key is a [`Conflict`]: logged, and shown by `/readyz`.
//!
//! Actions (`POST /actions/{name}`) are routed by the same answers: an action name goes to the
//! first configured service that declares it ([`ActionInfo`]); another service's claim on it
//! is logged ([`TableProblem::ActionClaimed`]) and ignored, and a service that stops declaring
//! an action loses it at its next `Describe`. A name that is not [`is_valid_action_name`] is
//! logged and ignored, like a bad card key.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use cardmesh_proto::{ActionDefinition, CardDefinition, CardScope};
use cardmesh_rules::is_valid_action_name;
use serde::Serialize;

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
    /// The owning service's configured name ([`super::service_names`]), for logs, spans,
    /// metric labels and the preview.
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

/// One routable action: `POST /actions/{name}` runs it on its service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo {
    pub name: String,
    /// One line saying what the action does (from `Describe`, cleaned).
    pub description: String,
    /// The card keys the action changes: invalidated and reloaded after it ran (valid card
    /// keys only; others are dropped when the table is built).
    pub changes_cards: Vec<String>,
    /// Index of the service in the configured service list.
    pub service: usize,
    /// The service's configured name ([`super::service_names`]).
    pub service_name: Arc<str>,
}

/// A key that one service owns and another claims too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub key: String,
    /// The configured name of the service that keeps the key.
    pub owner: String,
    /// The configured name of the service whose claim is ignored.
    pub claimed_by: String,
}

/// The routing table at one moment. Cheap to share: readers hold an `Arc` of it.
#[derive(Debug, Default)]
pub struct RoutingTable {
    routes: HashMap<String, CardInfo>,
    /// Keys whose owner is not settled yet (a service listed before it is undescribed).
    provisional: HashSet<String>,
    conflicts: Vec<Conflict>,
    undescribed: usize,
    actions: HashMap<String, ActionInfo>,
}

/// A `Describe` answer of one service: the cards it claims.
#[derive(Debug, Clone)]
pub struct Described {
    pub cards: Vec<CardDefinition>,
    pub actions: Vec<ActionDefinition>,
}

/// A claim that was ignored while building the table (logged by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableProblem {
    InvalidKey { key: String, service: Arc<str> },
    /// An action name that is not [`is_valid_action_name`] (cleaned for the log).
    InvalidActionName { name: String, service: Arc<str> },
    /// An action another service, listed before, declares too: `owner` keeps it.
    ActionClaimed { name: String, owner: Arc<str>, claimed_by: Arc<str> },
}

impl RoutingTable {
    /// Builds the table from the services' last answers, in configured order (`None`: the
    /// service has not answered yet), keeping the owners of `previous` as the module's rules
    /// say. `names` are the services' configured names, one per service.
    pub fn build(
        names: &[Arc<str>],
        described: &[Option<Described>],
        previous: &RoutingTable,
    ) -> (Self, Vec<TableProblem>) {
        let mut problems = Vec::new();
        // Every valid claim, in configured order of the claimants.
        let mut claims: Vec<(&CardDefinition, usize)> = Vec::new();
        let mut claimants: HashMap<&str, Vec<usize>> = HashMap::new();
        for (service, d) in described.iter().enumerate() {
            let Some(d) = d else { continue };
            for card in &d.cards {
                if !crate::plain::is_valid_key(&card.key) {
                    problems.push(TableProblem::InvalidKey {
                        key: cardmesh_telemetry::scrub::service_text(&card.key),
                        service: names[service].clone(),
                    });
                    continue;
                }
                let services = claimants.entry(card.key.as_str()).or_default();
                if !services.contains(&service) {
                    services.push(service);
                    claims.push((card, service));
                }
            }
        }
        let described_before = |service: usize| described[..service].iter().all(Option::is_some);
        let mut table = Self { undescribed: described.iter().filter(|d| d.is_none()).count(), ..Self::default() };
        for (key, services) in &claimants {
            let incumbent = previous
                .routes
                .get(*key)
                .map(|info| info.service)
                .filter(|owner| services.contains(owner) && !previous.provisional.contains(*key));
            let owner = incumbent.unwrap_or(services[0]);
            let (card, _) = claims.iter().find(|(card, s)| card.key == *key && *s == owner).expect("the owner's claim");
            table.routes.insert(
                (*key).to_owned(),
                CardInfo {
                    key: card.key.clone(),
                    title: card.title.clone(),
                    default_ttl_seconds: Some(card.default_ttl_seconds).filter(|t| *t > 0),
                    scope: Scope::from_proto(card.scope),
                    service: owner,
                    service_name: names[owner].clone(),
                },
            );
            if !described_before(owner) {
                table.provisional.insert((*key).to_owned());
            }
            for other in services.iter().filter(|s| **s != owner) {
                table.conflicts.push(Conflict {
                    key: (*key).to_owned(),
                    owner: names[owner].to_string(),
                    claimed_by: names[*other].to_string(),
                });
            }
        }
        table.conflicts.sort_by(|a, b| (&a.key, &a.claimed_by).cmp(&(&b.key, &b.claimed_by)));
        table.add_actions(names, described, &mut problems);
        (table, problems)
    }

    /// The actions of the services' answers: each name to the first configured service that
    /// declares it.
    fn add_actions(&mut self, names: &[Arc<str>], described: &[Option<Described>], problems: &mut Vec<TableProblem>) {
        for (service, d) in described.iter().enumerate() {
            let Some(d) = d else { continue };
            for action in &d.actions {
                if !is_valid_action_name(&action.name) {
                    problems.push(TableProblem::InvalidActionName {
                        name: cardmesh_telemetry::scrub::service_text(&action.name),
                        service: names[service].clone(),
                    });
                    continue;
                }
                if let Some(owner) = self.actions.get(&action.name) {
                    if owner.service != service {
                        problems.push(TableProblem::ActionClaimed {
                            name: action.name.clone(),
                            owner: owner.service_name.clone(),
                            claimed_by: names[service].clone(),
                        });
                    }
                    continue;
                }
                let changes_cards =
                    action.changes_cards.iter().filter(|k| crate::plain::is_valid_key(k)).cloned().collect();
                self.actions.insert(
                    action.name.clone(),
                    ActionInfo {
                        name: action.name.clone(),
                        description: cardmesh_telemetry::scrub::service_text(&action.description),
                        changes_cards,
                        service,
                        service_name: names[service].clone(),
                    },
                );
            }
        }
    }

    /// The action called `name`, when a described service declares it.
    pub fn action(&self, name: &str) -> Option<&ActionInfo> {
        self.actions.get(name)
    }

    /// Every routable action, by name.
    pub fn actions(&self) -> Vec<&ActionInfo> {
        let mut actions: Vec<&ActionInfo> = self.actions.values().collect();
        actions.sort_by(|a, b| a.name.cmp(&b.name));
        actions
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

    /// The keys claimed by a service other than their owner, by key.
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
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

    fn claims(keys: &[&str]) -> Option<Described> {
        Some(Described { cards: keys.iter().map(|k| def(k, CardScope::Customer)).collect(), actions: Vec::new() })
    }

    fn action(name: &str, changes: &[&str]) -> ActionDefinition {
        ActionDefinition {
            name: name.into(),
            description: format!("does {name}"),
            changes_cards: changes.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    fn declares(actions: Vec<ActionDefinition>) -> Option<Described> {
        Some(Described { cards: Vec::new(), actions })
    }

    fn names(n: usize) -> Vec<Arc<str>> {
        ["a", "b", "c"].iter().take(n).map(|s| Arc::from(*s)).collect()
    }

    fn owner(table: &RoutingTable, key: &str) -> usize {
        match table.lookup(key) {
            Lookup::Routed(info) => info.service,
            other => panic!("{key} is not routed: {other:?}"),
        }
    }

    #[test]
    fn first_service_keeps_a_conflicting_key() {
        let a = Described { cards: vec![def("x", CardScope::Customer)], actions: Vec::new() };
        let b = Described {
            cards: vec![def("x", CardScope::Thread), def("y", CardScope::Thread), def("bad key", CardScope::Customer)],
            actions: Vec::new(),
        };
        let (table, problems) = RoutingTable::build(&names(2), &[Some(a), Some(b)], &RoutingTable::default());
        let Lookup::Routed(x) = table.lookup("x") else { panic!("x routed") };
        assert_eq!((x.service, x.scope, &*x.service_name), (0, Scope::Customer, "a"));
        let Lookup::Routed(y) = table.lookup("y") else { panic!("y routed") };
        assert_eq!((y.service, y.scope), (1, Scope::Thread));
        assert_eq!(table.lookup("z"), Lookup::Unknown);
        assert_eq!(problems, [TableProblem::InvalidKey { key: "bad key".into(), service: "b".into() }]);
        assert_eq!(table.conflicts(), [Conflict { key: "x".into(), owner: "a".into(), claimed_by: "b".into() }]);
    }

    #[test]
    fn unknown_keys_are_undiscovered_while_a_service_is_silent() {
        let a = Described { cards: vec![def("x", CardScope::Unspecified)], actions: Vec::new() };
        let (table, _) = RoutingTable::build(&names(2), &[Some(a), None], &RoutingTable::default());
        assert_eq!(table.lookup("nope"), Lookup::Undiscovered);
        let Lookup::Routed(x) = table.lookup("x") else { panic!() };
        assert_eq!(x.scope, Scope::Customer);
        assert_eq!(table.undescribed(), 1);
    }

    /// `b` owns `x`; `a`, listed first, starts claiming it too: `b` keeps it, down or not.
    #[test]
    fn an_owner_keeps_its_key_against_a_later_claim_even_from_a_service_listed_first() {
        let (start, _) =
            RoutingTable::build(&names(2), &[claims(&["own-a"]), claims(&["x"])], &RoutingTable::default());
        assert_eq!(owner(&start, "x"), 1);
        // `b` stops answering (its last known claims stay), and `a` claims `x`.
        let (later, _) = RoutingTable::build(&names(2), &[claims(&["own-a", "x"]), claims(&["x"])], &start);
        assert_eq!(owner(&later, "x"), 1);
        assert_eq!(later.conflicts(), [Conflict { key: "x".into(), owner: "b".into(), claimed_by: "a".into() }]);
        // Once `b` itself no longer describes `x`, the key is free for `a`.
        let (released, _) = RoutingTable::build(&names(2), &[claims(&["own-a", "x"]), claims(&[])], &later);
        assert_eq!(owner(&released, "x"), 0);
        assert!(released.conflicts().is_empty());
    }

    /// `a`, listed first, is down when the gateway starts: `b`'s claim on `x` is provisional
    /// until `a` describes itself, and `a` gets `x` as it would have with both up.
    #[test]
    fn a_claim_made_while_an_earlier_service_is_undescribed_is_provisional() {
        let (start, _) = RoutingTable::build(&names(2), &[None, claims(&["x", "own-b"])], &RoutingTable::default());
        assert_eq!(owner(&start, "x"), 1);
        let (up, _) = RoutingTable::build(&names(2), &[claims(&["x"]), claims(&["x", "own-b"])], &start);
        assert_eq!((owner(&up, "x"), owner(&up, "own-b")), (0, 1));
        assert_eq!(up.conflicts(), [Conflict { key: "x".into(), owner: "a".into(), claimed_by: "b".into() }]);
        // Settled now: `a` keeps `x` from here on.
        let (again, _) = RoutingTable::build(&names(2), &[claims(&["x"]), claims(&["x", "own-b"])], &up);
        assert_eq!(owner(&again, "x"), 0);
    }

    #[test]
    fn an_action_goes_to_the_first_service_that_declares_it_and_bad_names_are_ignored() {
        let a = declares(vec![action("extend-trial", &["subscription", "bad key"]), action("Bad_Name", &[])]);
        let b = declares(vec![action("extend-trial", &[]), action("resync", &["usage"])]);
        let (table, problems) = RoutingTable::build(&names(2), &[a, b], &RoutingTable::default());
        let extend = table.action("extend-trial").expect("routed");
        assert_eq!((extend.service, &*extend.service_name), (0, "a"));
        assert_eq!(extend.changes_cards, ["subscription"]);
        assert_eq!(extend.description, "does extend-trial");
        assert_eq!(table.action("resync").map(|a| a.service), Some(1));
        assert_eq!(table.action("nope"), None);
        assert_eq!(table.actions().iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["extend-trial", "resync"]);
        assert_eq!(
            problems,
            [
                TableProblem::InvalidActionName { name: "Bad_Name".into(), service: "a".into() },
                TableProblem::ActionClaimed { name: "extend-trial".into(), owner: "a".into(), claimed_by: "b".into() },
            ]
        );
    }

    #[test]
    fn a_service_that_stops_declaring_an_action_loses_it() {
        let (before, _) =
            RoutingTable::build(&names(1), &[declares(vec![action("resync", &[])])], &RoutingTable::default());
        assert!(before.action("resync").is_some());
        let (after, _) = RoutingTable::build(&names(1), &[declares(Vec::new())], &before);
        assert_eq!(after.action("resync"), None);
    }
}
