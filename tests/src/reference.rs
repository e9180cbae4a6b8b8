//! The book's generated reference pages (`docs/src/reference/`), each from the code that
//! owns its subject: the settings from the gateway's configuration types, the error codes
//! from its error enum, the component rules from the rules catalogue, the metrics from the
//! registries of the gateway, the kit and the http-bridge, and the gateway's `--help`.
//!
//! `cargo run -p cardmesh-tests --example reference_docs` writes them;
//! `tests/tests/integration/docs_reference.rs` fails when a committed page differs.

use cardmesh_telemetry::prometheus::Registry;

/// The command that rewrites the pages, for the drift test's message.
pub const UPDATE_COMMAND: &str = "cargo run -p cardmesh-tests --example reference_docs";

/// One generated page: its path from the repository root and its text.
pub struct Page {
    pub path: &'static str,
    pub text: String,
}

/// Every generated page.
pub fn pages() -> Vec<Page> {
    vec![
        Page {
            path: "docs/src/reference/configuration.md",
            text: cardmesh_gateway::config::reference::reference_markdown(),
        },
        Page {
            path: "docs/src/reference/error-codes.md",
            text: cardmesh_gateway::error::reference::reference_markdown(),
        },
        Page { path: "docs/src/reference/rules.md", text: cardmesh_rules::catalogue::reference::reference_markdown() },
        Page { path: "docs/src/reference/metrics.md", text: metrics_markdown() },
        Page {
            path: "docs/src/reference/cli.md",
            text: cardmesh_gateway::cli::reference::reference_markdown() + &cardmesh_cli::args::help_markdown(),
        },
    ]
}

/// One metric family, as a `/metrics` route shows it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Family {
    pub kind: String,
    pub help: String,
    pub labels: Vec<String>,
}

/// The families of a Prometheus text exposition, in name order, with their label names
/// (`le`, a histogram's bucket bound, left out). Two families that share a name (a second
/// `# HELP` line for it) stay two entries, as `/metrics` shows them.
pub fn families(exposition: &str) -> Vec<(String, Family)> {
    let mut families: Vec<(String, Family)> = Vec::new();
    let last = |families: &mut Vec<(String, Family)>, name: &str| families.iter().rposition(|(n, _)| n == name);
    for line in exposition.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            families.push((name.to_owned(), Family { help: help.to_owned(), ..Family::default() }));
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, ""));
            match last(&mut families, name) {
                Some(i) => families[i].1.kind = kind.to_owned(),
                None => families.push((name.to_owned(), Family { kind: kind.to_owned(), ..Family::default() })),
            }
        } else if !line.starts_with('#') && !line.is_empty() {
            let (sample, labels) = match line.split_once('{') {
                Some((name, rest)) => (name, rest.split_once('}').map(|(l, _)| l).unwrap_or("")),
                None => (line.split_whitespace().next().unwrap_or(""), ""),
            };
            let index = ["_bucket", "_sum", "_count"]
                .iter()
                .filter_map(|suffix| sample.strip_suffix(suffix))
                .find_map(|base| last(&mut families, base))
                .or_else(|| last(&mut families, sample));
            let Some(index) = index else { continue };
            let entry = &mut families[index].1;
            for label in labels.split(',').filter_map(|pair| pair.split_once('=').map(|(k, _)| k.trim())) {
                if label != "le" && !label.is_empty() && !entry.labels.iter().any(|l| l == label) {
                    entry.labels.push(label.to_owned());
                }
            }
        }
    }
    families.sort_by(|a, b| a.0.cmp(&b.0));
    families
}

/// The metrics page: the gateway's (admin listener), then a card service's (the kit, on
/// `CARDMESH_SERVICE_METRICS_LISTEN`), then the http-bridge's additions.
pub fn metrics_markdown() -> String {
    let kit = cardmesh_kit::ServiceMetrics::new(["example"]).render();
    let bridge = {
        let metrics = http_bridge::metrics::BridgeMetrics::new();
        metrics.endpoint("example");
        let registry = Registry::new();
        for collector in metrics.collectors() {
            registry.register(collector).expect("unique names");
        }
        cardmesh_telemetry::encode(&registry.gather())
    };
    let mut page = String::from(
        "# Metrics\n\n\
         <!-- Generated from the registries of the gateway, the kit and the http-bridge\n     \
         (cardmesh_tests::reference); do not edit.\n     \
         Run `cargo run -p cardmesh-tests --example reference_docs` to update. -->\n\n\
         Every Prometheus metric, as the `/metrics` routes render it: name, type, help text and\n\
         labels. See [Observability](../operating/observability.md#metrics) for what the labels'\n\
         values mean and how to read them.\n",
    );
    for (title, intro, text) in [
        (
            "The gateway",
            "On `GET /metrics` of the admin listener (`admin_listen`, `127.0.0.1:9090`). The cache's \
             counters appear while the cache is on.",
            cardmesh_gateway::telemetry::reference::exposition(),
        ),
        (
            "Card services (every kit)",
            "On `CARDMESH_SERVICE_METRICS_LISTEN` of a service built with the Rust kit; the \
             TypeScript and Python kits serve the same names.",
            kit,
        ),
        ("The http-bridge", "Besides the kit's metrics, per existing card endpoint.", bridge),
    ] {
        page.push_str(&format!(
            "\n## {title}\n\n{intro}\n\n| metric | type | labels | help |\n| --- | --- | --- | --- |\n"
        ));
        for (name, family) in families(&text) {
            let labels = family.labels.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ");
            page.push_str(&format!(
                "| `{name}` | {} | {labels} | {} |\n",
                family.kind,
                family.help.replace('|', "\\|")
            ));
        }
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_read_help_type_and_label_names() {
        let text = "# HELP a_total Things.\n# TYPE a_total counter\na_total{x=\"1\",y=\"2\"} 3\n\
                    # HELP d_seconds Time.\n# TYPE d_seconds histogram\nd_seconds_bucket{s=\"b\",le=\"1\"} 1\nd_seconds_sum{s=\"b\"} 1\n";
        let f = families(text);
        let a = Family { kind: "counter".into(), help: "Things.".into(), labels: vec!["x".into(), "y".into()] };
        assert_eq!(f[0], ("a_total".to_owned(), a));
        assert_eq!(f[1].0, "d_seconds");
        assert_eq!(f[1].1.labels, ["s"]);
    }

    #[test]
    fn two_families_with_one_name_stay_two() {
        let text = "# HELP r_total One.\n# TYPE r_total counter\nr_total 1\n\
                    # HELP r_total Two.\n# TYPE r_total counter\nr_total{outcome=\"ok\"} 1\n";
        let f = families(text);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].1.labels.is_empty() && f[1].1.labels == ["outcome"], "{f:?}");
    }
}
