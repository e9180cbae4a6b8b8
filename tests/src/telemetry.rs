//! Reading Prometheus metrics: a gateway's `/metrics` (admin listener) parsed into samples.

use std::collections::BTreeMap;

use crate::RunningGateway;

/// One sample line: name, labels and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// The samples of one scrape.
#[derive(Debug, Clone)]
pub struct Metrics {
    pub text: String,
    pub samples: Vec<Sample>,
}

impl Metrics {
    /// Parses the Prometheus text format (comments skipped).
    pub fn parse(text: &str) -> Self {
        let samples = text
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| parse_sample(line).unwrap_or_else(|| panic!("not a sample line: {line:?}")))
            .collect();
        Self { text: text.to_owned(), samples }
    }

    /// The value of the sample `name` with exactly `labels`; 0 when there is none (a
    /// counter that has not moved for these labels is not shown).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let wanted: BTreeMap<String, String> = labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        self.samples.iter().find(|s| s.name == name && s.labels == wanted).map_or(0.0, |s| s.value)
    }

    /// True when some sample is named `name`.
    pub fn has(&self, name: &str) -> bool {
        self.samples.iter().any(|s| s.name == name)
    }
}

/// `name{a="1",b="2"} value` (label values without escaped quotes, which the metrics here
/// never have).
fn parse_sample(line: &str) -> Option<Sample> {
    let (series, value) = line.rsplit_once(' ')?;
    let value = value.parse().ok()?;
    let (name, labels) = match series.split_once('{') {
        None => (series, BTreeMap::new()),
        Some((name, rest)) => {
            let labels = rest
                .strip_suffix('}')?
                .split(',')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    Some((key.to_owned(), value.trim_matches('"').to_owned()))
                })
                .collect::<Option<_>>()?;
            (name, labels)
        }
    };
    Some(Sample { name: name.to_owned(), labels, value })
}

impl RunningGateway {
    /// The value of the metric line `series` (name and labels, as rendered) in this process's
    /// gateway metrics, 0 when absent.
    pub fn metric_line(&self, series: &str) -> f64 {
        let text = self.gateway.render_metrics();
        text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok()).unwrap_or(0.0)
    }

    /// The admin listener's `/metrics`, which must answer 200 in the Prometheus text format.
    pub async fn metrics(&self) -> Metrics {
        let response = self
            .client()
            .get(format!("http://{}/metrics", self.admin_addr))
            .send()
            .await
            .expect("the admin listener answers");
        assert_eq!(response.status(), 200, "GET /metrics");
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(content_type.starts_with("text/plain; version=0.0.4"), "content type {content_type:?}");
        Metrics::parse(&response.text().await.expect("metrics body"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_labels_and_values() {
        let m = Metrics::parse(
            "# HELP x_total X.\n# TYPE x_total counter\nx_total{a=\"1\",b=\"two\"} 3\ny_sum 0.25\nz_bucket{le=\"+Inf\"} 4\n",
        );
        assert_eq!(m.value("x_total", &[("b", "two"), ("a", "1")]), 3.0);
        assert_eq!(m.value("x_total", &[("a", "1")]), 0.0);
        assert_eq!(m.value("y_sum", &[]), 0.25);
        assert_eq!(m.value("z_bucket", &[("le", "+Inf")]), 4.0);
        assert!(m.has("y_sum") && !m.has("y"));
    }
}
