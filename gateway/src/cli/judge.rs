//! `cardmesh-gateway validate`: judges a card API's answer the way Plain does and prints the
//! findings (text for people, JSON for CI).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use cardmesh_rules::{check_response, Report, Rule, Violation};

/// Output format of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One finding per line with its rule and how to fix it, then a summary.
    Text,
    /// One JSON document: `{ valid, violations, warnings, ... }`.
    Json,
}

/// The arguments of `validate`.
#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// File holding the response body; `-` or absent reads standard input. Not used with
    /// --url.
    pub file: Option<PathBuf>,
    /// The card keys that were requested (comma-separated): every one must have a card,
    /// cards for other keys are reported as ignored (a warning).
    #[arg(long, value_delimiter = ',', value_name = "KEY,...")]
    pub keys: Vec<String>,
    /// Fail (exit 1) on warnings too, e.g. deprecated field names.
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Send a signed request to this running card API exactly as Plain would, then judge
    /// its answer: status, time against Plain's 15 s, keys and components.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// HMAC secret to sign the request with; without it the request is sent unsigned. Only
    /// this flag is read, never CARDMESH_SIGNING_SECRETS: a probe of someone else's endpoint
    /// must not be signed with the gateway's production secret.
    #[arg(long, requires = "url")]
    pub secret: Option<String>,
    /// Plain customer id sent with --url.
    #[arg(long, requires = "url", default_value = "c_cardmesh_validate")]
    pub customer_id: String,
    /// Customer email sent with --url (default: null, as Plain sends for contacts without one).
    #[arg(long, requires = "url")]
    pub email: Option<String>,
    /// Customer external id sent with --url (default: null).
    #[arg(long, requires = "url")]
    pub external_id: Option<String>,
    /// Plain-Workspace-Id sent with --url.
    #[arg(long, requires = "url", default_value = "w_cardmesh_validate")]
    pub workspace_id: String,
}

/// What `validate` found, and about what.
#[derive(Debug, Clone, Default)]
pub struct Judgement {
    pub report: Report,
    /// With --url: the HTTP status of the answer.
    pub status: Option<u16>,
    /// With --url: how long the answer took.
    pub elapsed: Option<Duration>,
}

impl Judgement {
    /// The exit status: 0 valid, 1 violations (or warnings when `strict`).
    pub fn exit_code(&self, strict: bool) -> u8 {
        let failed = !self.report.violations.is_empty() || (strict && !self.report.warnings.is_empty());
        u8::from(failed)
    }

    /// The findings in `format`.
    pub fn render(&self, format: Format, strict: bool) -> String {
        match format {
            Format::Json => {
                let doc = json!({
                    "valid": self.exit_code(strict) == 0,
                    "violations": findings_json(&self.report.violations),
                    "warnings": findings_json(&self.report.warnings),
                    "status": self.status,
                    "elapsedMs": self.elapsed.map(|d| d.as_millis() as u64),
                });
                let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
                text.push('\n');
                text
            }
            Format::Text => self.text(strict),
        }
    }

    fn text(&self, strict: bool) -> String {
        let mut out = String::new();
        if let (Some(status), Some(elapsed)) = (self.status, self.elapsed) {
            out.push_str(&format!("answered {status} in {} ms\n", elapsed.as_millis()));
        }
        for (label, list) in [("error", &self.report.violations), ("warning", &self.report.warnings)] {
            for v in list {
                out.push_str(&format!("{label}: {}: [{}] {}\n  fix: {}\n", v.path, v.rule, v.message, v.rule.fix()));
            }
        }
        let (errors, warnings) = (self.report.violations.len(), self.report.warnings.len());
        out.push_str(&match (errors, warnings) {
            (0, 0) => "ok: the response follows Plain's card rules\n".to_owned(),
            (0, w) if !strict => format!("ok with {w} warning(s): Plain accepts the response\n"),
            (e, w) => format!("{e} violation(s), {w} warning(s)\n"),
        });
        out
    }
}

fn findings_json(list: &[Violation]) -> Value {
    Value::Array(
        list.iter()
            .map(|v| json!({ "path": v.path, "rule": v.rule, "message": v.message, "fix": v.rule.fix() }))
            .collect(),
    )
}

/// Judges a response document's bytes; `keys` are the requested keys (none: not checked).
pub fn judge_document(input: &[u8], keys: &[String]) -> Judgement {
    let report = match serde_json::from_slice::<Value>(input) {
        Ok(doc) => {
            let requested: Vec<&str> = keys.iter().map(String::as_str).collect();
            check_response(&doc, (!keys.is_empty()).then_some(requested.as_slice()))
        }
        Err(e) => {
            let mut report = Report::default();
            report.violation("$", Rule::Response, format!("not valid JSON: {e}"));
            report
        }
    };
    Judgement { report, ..Judgement::default() }
}
