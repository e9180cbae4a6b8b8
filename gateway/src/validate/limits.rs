//! Plain's limits and enumerations, as numbers and lists (PROTOCOL.md section 6 and the
//! Plain docs extract in `seeds/`). Every other module reads them from here.

/// Max characters of `text` (Text) and `plainText` (PlainText).
pub const TEXT_MAX_CHARS: usize = 10_000;
/// Max characters of `badgeLabel`, `linkButtonLabel`, `copyButtonTooltipLabel` and
/// `workflowButtonLabel`.
pub const LABEL_MAX_CHARS: usize = 500;
/// Max characters of `copyButtonValue`.
pub const COPY_VALUE_MAX_CHARS: usize = 1_000;

/// `textSize` / `plainTextSize`.
pub const TEXT_SIZES: &[&str] = &["S", "M", "L"];
/// `textColor` / `plainTextColor`.
pub const TEXT_COLORS: &[&str] = &["NORMAL", "MUTED", "SUCCESS", "WARNING", "ERROR"];
/// `badgeColor`.
pub const BADGE_COLORS: &[&str] = &["GREY", "GREEN", "YELLOW", "RED", "BLUE"];
/// `dividerSpacingSize` / `spacerSize`.
pub const SPACING_SIZES: &[&str] = &["XS", "S", "M", "L", "XL"];

/// URL schemes a `linkButtonUrl` may use.
pub const URL_SCHEMES: &[&str] = &["http", "https"];

/// Length of a string as the limits count it: Unicode characters (scalar values), not bytes.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Whether `key` is a valid card key: non-empty and matching `[a-zA-Z0-9_-]+` (the same
/// rule the request parser applies).
pub use crate::plain::is_valid_key as is_valid_card_key;
