//! Billing reports its own changes: it watches its fixture file and, when the file changes,
//! swaps the data in and tells the gateway which customers' cards changed, so the agent
//! sees the new data within seconds (the gateway drops its cached copies and makes Plain
//! reload the cards).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use cardmesh_kit::{CustomerIndex, CustomerRef, Invalidator};

use crate::fixtures::Record;
use crate::{BillingCards, LATEST_INVOICE, SUBSCRIPTION_STATUS};

/// Reads `path` every `interval`. When its contents change and parse, `cards` serves the new
/// data and each changed customer is reported through `invalidator` (when there is one),
/// with the card keys whose data changed. A file that does not parse is logged and ignored:
/// the previous data stays. Runs until dropped.
pub async fn watch_fixture(cards: BillingCards, path: PathBuf, interval: Duration, invalidator: Option<Invalidator>) {
    let mut last = std::fs::read_to_string(&path).ok();
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if last.as_deref() == Some(text.as_str()) {
            continue;
        }
        last = Some(text.clone());
        let fresh = match cardmesh_kit::load_fixture::<Record>("billing", &text) {
            Ok(fresh) => fresh,
            Err(e) => {
                tracing::warn!(file = %path.display(), error = format!("{e:#}"), "billing fixture changed but is invalid; keeping the previous data");
                continue;
            }
        };
        let old = cards.replace(fresh);
        let changes = changed_cards(&old, &cards.data());
        tracing::info!(file = %path.display(), customers = changes.len(), "billing fixture reloaded");
        let Some(invalidator) = &invalidator else {
            continue;
        };
        for (external_id, keys) in changes {
            // Logged by the kit on failure; a gateway that is down does not stop the watch.
            let _ = invalidator.invalidate(&CustomerRef::ExternalId(external_id), Some(&keys)).await;
        }
    }
}

/// The customers (by external id) whose cards differ between two fixtures, each with the
/// keys of the cards that changed; for the tests and tools.
pub fn changed_cards_between(old_json: &str, new_json: &str) -> anyhow::Result<Vec<(String, Vec<&'static str>)>> {
    Ok(changed_cards(
        &cardmesh_kit::load_fixture("billing", old_json)?,
        &cardmesh_kit::load_fixture("billing", new_json)?,
    ))
}

/// Customers present in either index whose subscription or invoice differ. Customers known
/// by email only are left out: the gateway finds a customer by Plain id or external id.
fn changed_cards(old: &CustomerIndex<Record>, new: &CustomerIndex<Record>) -> Vec<(String, Vec<&'static str>)> {
    let by_id = |index: &CustomerIndex<Record>| -> BTreeMap<String, Record> {
        index.records().filter_map(|r| Some((r.external_id.clone()?, r.clone()))).collect()
    };
    let (old, new) = (by_id(old), by_id(new));
    let ids: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    ids.into_iter()
        .filter_map(|id| {
            let (before, after) = (old.get(id), new.get(id));
            let mut keys = Vec::new();
            if before.map(|r| &r.subscription) != after.map(|r| &r.subscription) {
                keys.push(SUBSCRIPTION_STATUS);
            }
            if before.map(|r| &r.latest_invoice) != after.map(|r| &r.latest_invoice) {
                keys.push(LATEST_INVOICE);
            }
            (!keys.is_empty()).then(|| (id.clone(), keys))
        })
        .collect()
}
