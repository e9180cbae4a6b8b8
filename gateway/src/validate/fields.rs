//! The fields of each component body: which exist, which are required, their types, limits
//! and enum values, and the deprecated aliases Plain's schema still lists.

use serde_json::{Map, Value};
use url::Url;

use super::component::{validate_component, Kind, Level};
use super::limits::{
    char_len, BADGE_COLORS, COPY_VALUE_MAX_CHARS, LABEL_MAX_CHARS, SPACING_SIZES, TEXT_COLORS, TEXT_MAX_CHARS,
    TEXT_SIZES, URL_SCHEMES,
};
use super::path::{describe, field, index, quote, type_name};
use super::Violation;

/// How one field is checked. `null` and absent are the same for every rule.
#[derive(Clone, Copy)]
enum Rule {
    /// A string of 1..=`max` characters.
    Str { max: usize, required: bool },
    /// One of `values`, exactly (case-sensitive).
    Enum { values: &'static [&'static str], required: bool },
    /// A required absolute http(s) URL.
    Url,
    /// A required `{ workflowId }` or `{ workflowKey }` object.
    WorkflowIdentifier,
    /// A required array of at least one component, each checked as found at the level.
    Content(Level),
}

struct Field {
    name: &'static str,
    rule: Rule,
}

/// The fields of one component and its deprecated aliases (alias, current name).
struct Spec {
    fields: &'static [Field],
    aliases: &'static [(&'static str, &'static str)],
}

const fn f(name: &'static str, rule: Rule) -> Field {
    Field { name, rule }
}

const fn text(max: usize, required: bool) -> Rule {
    Rule::Str { max, required }
}

const fn one_of(values: &'static [&'static str], required: bool) -> Rule {
    Rule::Enum { values, required }
}

static TEXT: Spec = Spec {
    fields: &[
        f("text", text(TEXT_MAX_CHARS, true)),
        f("textSize", one_of(TEXT_SIZES, false)),
        f("textColor", one_of(TEXT_COLORS, false)),
    ],
    aliases: &[("size", "textSize"), ("color", "textColor")],
};

static PLAIN_TEXT: Spec = Spec {
    fields: &[
        f("plainText", text(TEXT_MAX_CHARS, true)),
        f("plainTextSize", one_of(TEXT_SIZES, false)),
        f("plainTextColor", one_of(TEXT_COLORS, false)),
    ],
    aliases: &[("size", "plainTextSize"), ("color", "plainTextColor")],
};

static BADGE: Spec = Spec {
    fields: &[f("badgeLabel", text(LABEL_MAX_CHARS, true)), f("badgeColor", one_of(BADGE_COLORS, false))],
    aliases: &[("label", "badgeLabel"), ("color", "badgeColor")],
};

static LINK_BUTTON: Spec = Spec {
    fields: &[f("linkButtonLabel", text(LABEL_MAX_CHARS, true)), f("linkButtonUrl", Rule::Url)],
    aliases: &[("label", "linkButtonLabel"), ("url", "linkButtonUrl")],
};

static COPY_BUTTON: Spec = Spec {
    fields: &[
        f("copyButtonValue", text(COPY_VALUE_MAX_CHARS, true)),
        f("copyButtonTooltipLabel", text(LABEL_MAX_CHARS, false)),
    ],
    aliases: &[("label", "copyButtonTooltipLabel")],
};

static DIVIDER: Spec = Spec {
    fields: &[f("dividerSpacingSize", one_of(SPACING_SIZES, false))],
    aliases: &[("spacingSize", "dividerSpacingSize")],
};

static SPACER: Spec = Spec {
    fields: &[f("spacerSize", one_of(SPACING_SIZES, true))],
    aliases: &[("size", "spacerSize"), ("spacingSize", "spacerSize")],
};

static WORKFLOW_BUTTON: Spec = Spec {
    fields: &[
        f("workflowButtonLabel", text(LABEL_MAX_CHARS, true)),
        f("workflowButtonWorkflowIdentifier", Rule::WorkflowIdentifier),
    ],
    aliases: &[("label", "workflowButtonLabel")],
};

static ROW: Spec = Spec {
    fields: &[f("rowMainContent", Rule::Content(Level::Row)), f("rowAsideContent", Rule::Content(Level::Row))],
    aliases: &[],
};

static CONTAINER: Spec = Spec { fields: &[f("containerContent", Rule::Content(Level::Container))], aliases: &[] };

fn spec(kind: Kind) -> &'static Spec {
    match kind {
        Kind::Text => &TEXT,
        Kind::PlainText => &PLAIN_TEXT,
        Kind::Badge => &BADGE,
        Kind::LinkButton => &LINK_BUTTON,
        Kind::CopyButton => &COPY_BUTTON,
        Kind::Divider => &DIVIDER,
        Kind::Spacer => &SPACER,
        Kind::WorkflowButton => &WORKFLOW_BUTTON,
        Kind::Row => &ROW,
        Kind::Container => &CONTAINER,
    }
}

/// Validates the body of a `kind` component (the value under its wrapper key) at `path`.
/// Row and Container bodies recurse into their content; nothing else recurses.
pub(super) fn validate_body(kind: Kind, body: &Value, path: &str, out: &mut Vec<Violation>) {
    let Value::Object(map) = body else {
        out.push(Violation::new(path, format!("must be an object; got {}", type_name(body))));
        return;
    };
    let spec = spec(kind);
    for Field { name, rule } in spec.fields {
        let value = map.get(*name).filter(|v| !v.is_null());
        let path = field(path, name);
        match *rule {
            Rule::Str { max, required } => check_str(value, &path, max, required, out),
            Rule::Enum { values, required } => check_enum(value, &path, values, required, out),
            Rule::Url => check_url(value, &path, out),
            Rule::WorkflowIdentifier => check_workflow_identifier(value, &path, out),
            Rule::Content(level) => check_content(value, &path, level, out),
        }
    }
    check_unknown_fields(kind, spec, map, path, out);
}

fn check_unknown_fields(kind: Kind, spec: &Spec, map: &Map<String, Value>, path: &str, out: &mut Vec<Violation>) {
    for key in map.keys() {
        if spec.fields.iter().any(|f| f.name == key) {
            continue;
        }
        let message = match spec.aliases.iter().find(|(alias, _)| alias == key) {
            Some((_, current)) => {
                format!("deprecated field name {}; use \"{current}\" instead", quote(key))
            }
            None => {
                let names: Vec<&str> = spec.fields.iter().map(|f| f.name).collect();
                format!("unknown field {}; {} allows only {}", quote(key), kind.key(), names.join(", "))
            }
        };
        out.push(Violation::new(field(path, key), message));
    }
}

fn check_str(value: Option<&Value>, path: &str, max: usize, required: bool, out: &mut Vec<Violation>) {
    let message = match value {
        None if required => format!("is required: a string of 1 to {max} characters"),
        None => return,
        Some(Value::String(s)) => {
            let len = char_len(s);
            if len == 0 {
                format!("must not be empty; use 1 to {max} characters")
            } else if len > max {
                format!("must be at most {max} characters; got {len}")
            } else {
                return;
            }
        }
        Some(other) => format!("must be a string of 1 to {max} characters; got {}", type_name(other)),
    };
    out.push(Violation::new(path, message));
}

fn check_enum(value: Option<&Value>, path: &str, values: &[&str], required: bool, out: &mut Vec<Violation>) {
    let list = || values.join(", ");
    let message = match value {
        None if required => format!("is required; use one of {}", list()),
        None => return,
        Some(Value::String(s)) if values.contains(&s.as_str()) => return,
        Some(Value::String(s)) if values.contains(&s.to_ascii_uppercase().as_str()) => {
            format!("must be one of {} (values are upper case); got {}", list(), quote(s))
        }
        Some(other) => format!("must be one of {}; got {}", list(), describe(other)),
    };
    out.push(Violation::new(path, message));
}

fn check_url(value: Option<&Value>, path: &str, out: &mut Vec<Violation>) {
    let message = match value {
        None => "is required: an absolute http or https URL".to_owned(),
        Some(Value::String(s)) if s.is_empty() => "must not be empty; use an absolute http or https URL".to_owned(),
        Some(Value::String(s)) => match Url::parse(s) {
            Ok(url) if URL_SCHEMES.contains(&url.scheme()) && url.host().is_some() => return,
            Ok(url) => format!("must use the http or https scheme; got \"{}:\" in {}", url.scheme(), quote(s)),
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                format!("must be an absolute URL starting with https:// or http://; got the relative URL {}", quote(s))
            }
            Err(err) => format!("is not a valid URL ({err}); got {}", quote(s)),
        },
        Some(other) => format!("must be an absolute http or https URL string; got {}", type_name(other)),
    };
    out.push(Violation::new(path, message));
}

const WORKFLOW_ID: &str = "workflowId";
const WORKFLOW_KEY: &str = "workflowKey";

fn check_workflow_identifier(value: Option<&Value>, path: &str, out: &mut Vec<Violation>) {
    let map = match value {
        None => {
            out.push(Violation::new(path, "is required: an object with exactly one of workflowId or workflowKey"));
            return;
        }
        Some(Value::Object(map)) => map,
        Some(other) => {
            out.push(Violation::new(
                path,
                format!("must be an object with exactly one of workflowId or workflowKey; got {}", type_name(other)),
            ));
            return;
        }
    };
    let mut present = 0;
    for name in [WORKFLOW_ID, WORKFLOW_KEY] {
        match map.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if !s.is_empty() => present += 1,
            Some(other) => {
                present += 1;
                out.push(Violation::new(
                    field(path, name),
                    format!("must be a non-empty string; got {}", describe(other)),
                ));
            }
        }
    }
    match present {
        0 => out.push(Violation::new(path, "must set exactly one of workflowId or workflowKey; got neither")),
        2 => {
            out.push(Violation::new(path, "must set exactly one of workflowId or workflowKey; got both, keep only one"))
        }
        _ => {}
    }
    for key in map.keys() {
        if key != WORKFLOW_ID && key != WORKFLOW_KEY {
            out.push(Violation::new(
                field(path, key),
                format!("unknown field {}; the identifier allows only workflowId or workflowKey", quote(key)),
            ));
        }
    }
}

fn check_content(value: Option<&Value>, path: &str, level: Level, out: &mut Vec<Violation>) {
    match value {
        None => out.push(Violation::new(path, "is required: an array of at least 1 component")),
        Some(Value::Array(items)) if items.is_empty() => {
            out.push(Violation::new(path, "must have at least 1 component; got an empty array"))
        }
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                validate_component(item, &index(path, i), level, out);
            }
        }
        Some(other) => out
            .push(Violation::new(path, format!("must be an array of at least 1 component; got {}", type_name(other)))),
    }
}
