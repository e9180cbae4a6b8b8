//! What the validator reports: [`Violation`]s (Plain would refuse the card) and warnings
//! (Plain accepts it, but something should change), each with a stable [`Rule`] code.

use std::fmt;

/// The stable code of a broken rule, as written in `rules/fixtures/` and printed by
/// `cardmesh-gateway validate`. The codes never change meaning; new rules get new codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A required field (or card key, or components) is absent or `null`.
    Required,
    /// A value has the wrong JSON type (a number where a string belongs, ...).
    Type,
    /// A string is shorter than its `minChars` (usually: empty).
    MinChars,
    /// A string is longer than its `maxChars`.
    MaxChars,
    /// A string is not one of the enumeration's values.
    Enum,
    /// Not an absolute URL with an allowed scheme and a host.
    Url,
    /// Not an RFC 3339 date-time with a zone.
    DateTime,
    /// Not exactly one of the fields (or wrapper keys) of a one-of object set.
    OneOf,
    /// A list has fewer components than its `minItems`.
    MinItems,
    /// A known component where it may not nest (a Row in a Row, a Container in a Container).
    Nesting,
    /// A key of a component object that is no wrapper key.
    UnknownComponent,
    /// A key of a component body that is neither a field nor a deprecated alias.
    UnknownField,
    /// Both a deprecated alias and its current name are set.
    AliasConflict,
    /// A card key that does not match the card-key pattern.
    CardKey,
    /// `timeToLiveSeconds` that is not an integer of seconds >= 0.
    TimeToLive,
    /// A card key answered twice.
    DuplicateKey,
    /// A requested key with no card in the answer.
    MissingKey,
    /// A request answered with an HTTP status other than 200, or a body that is not JSON.
    Response,
    /// An answer slower than Plain's 15 seconds.
    Timeout,
    /// Warning: a deprecated alias (accepted by Plain, normalised to the current name).
    Deprecated,
    /// Warning: a card for a key that was not requested (Plain ignores it).
    IgnoredCard,
    /// Warning: `timeToLiveSeconds` outside the bounds Plain's card settings allow.
    TimeToLiveBounds,
}

impl Rule {
    /// The code, e.g. `maxChars`.
    pub fn code(self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::Type => "type",
            Rule::MinChars => "minChars",
            Rule::MaxChars => "maxChars",
            Rule::Enum => "enum",
            Rule::Url => "url",
            Rule::DateTime => "dateTime",
            Rule::OneOf => "oneOf",
            Rule::MinItems => "minItems",
            Rule::Nesting => "nesting",
            Rule::UnknownComponent => "unknownComponent",
            Rule::UnknownField => "unknownField",
            Rule::AliasConflict => "aliasConflict",
            Rule::CardKey => "cardKey",
            Rule::TimeToLive => "timeToLive",
            Rule::DuplicateKey => "duplicateKey",
            Rule::MissingKey => "missingKey",
            Rule::Response => "response",
            Rule::Timeout => "timeout",
            Rule::Deprecated => "deprecated",
            Rule::IgnoredCard => "ignoredCard",
            Rule::TimeToLiveBounds => "timeToLiveBounds",
        }
    }

    /// How to fix a break of this rule, in one sentence (the message says what is wrong).
    pub fn fix(self) -> &'static str {
        match self {
            Rule::Required => "set the field (null counts as not set)",
            Rule::Type => "use the JSON type the message names",
            Rule::MinChars => "send at least the minimum number of characters, or leave an optional field out",
            Rule::MaxChars => "shorten the string to the limit (characters are Unicode scalar values)",
            Rule::Enum => "use one of the listed values, in upper case",
            Rule::Url => "use an absolute http:// or https:// URL with a host",
            Rule::DateTime => "use an RFC 3339 date-time with a zone, e.g. 2026-03-01T09:30:00Z",
            Rule::OneOf => "set exactly one of the listed fields and leave the others out or null",
            Rule::MinItems => "add at least the minimum number of components",
            Rule::Nesting => {
                "move the component to a level that allows it (rows go in containers, containers only at the top)"
            }
            Rule::UnknownComponent => "use one of Plain's wrapper keys listed in the message",
            Rule::UnknownField => "remove the field or rename it to one the message lists",
            Rule::AliasConflict => "keep only the current field name",
            Rule::CardKey => "use only letters, digits, '_' and '-'",
            Rule::TimeToLive => "send an integer number of seconds, or null for the card's default",
            Rule::DuplicateKey => "send one card per key",
            Rule::MissingKey => "answer every requested key, with \"components\": null when there is no data",
            Rule::Response => "answer 200 with a JSON body { \"cards\": [...] }",
            Rule::Timeout => "answer within 15 seconds; Plain gives up after that",
            Rule::Deprecated => "rename the field to its current name",
            Rule::IgnoredCard => "drop cards nobody asked for (Plain ignores them)",
            Rule::TimeToLiveBounds => "use 15 to 31536000 seconds, the range Plain's card settings allow",
        }
    }

    /// Whether a finding of this rule is a warning (Plain still accepts the card).
    pub fn is_warning(self) -> bool {
        matches!(self, Rule::Deprecated | Rule::IgnoredCard | Rule::TimeToLiveBounds)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// One finding: where (`path`, a JSON path in Plain's names), which rule (`rule`) and what
/// (`message`, which also says how to fix it). Displays as `"{path}: {message}"`.
/// Used for violations and warnings alike; [`Report`] keeps them apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Violation {
    /// JSON path of the offending value, e.g. `cards[0].components[1].componentBadge.badgeLabel`.
    pub path: String,
    /// The stable rule code.
    pub rule: Rule,
    /// What is wrong and how to fix it, e.g. `must be one of S, M, L; got "XL"`.
    pub message: String,
}

/// A finding Plain accepts (a deprecated alias, an ignored card).
pub type Warning = Violation;

impl Violation {
    /// Builds a finding from anything string-like.
    pub fn new(path: impl Into<String>, rule: Rule, message: impl Into<String>) -> Self {
        Self { path: path.into(), rule, message: message.into() }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for Violation {}

/// Everything a validation found: violations (Plain would refuse) and warnings (Plain
/// accepts). Both in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub violations: Vec<Violation>,
    pub warnings: Vec<Warning>,
}

impl Report {
    /// Records a finding as a violation or a warning, by its rule.
    pub fn push(&mut self, finding: Violation) {
        if finding.rule.is_warning() {
            self.warnings.push(finding);
        } else {
            self.violations.push(finding);
        }
    }

    /// Records a violation at `path`.
    pub fn violation(&mut self, path: impl Into<String>, rule: Rule, message: impl Into<String>) {
        self.push(Violation::new(path, rule, message));
    }

    /// Whether there is no violation (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }

    /// Appends another report's findings.
    pub fn extend(&mut self, other: Report) {
        self.violations.extend(other.violations);
        self.warnings.extend(other.warnings);
    }
}
