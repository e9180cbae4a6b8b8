//! Checking the names a developer types, and deriving Rust names from them.

/// Longest service name: it becomes a crate, binary, image and compose service name.
pub const MAX_SERVICE_NAME: usize = 40;

/// Names of constants the generated `lib.rs` (and Python `cards.py`) defines itself, the example
/// action's name among them; a card constant never takes one.
const RESERVED_CONSTS: [&str; 3] = ["DEFAULT_TTL", "SCOPE", "RESYNC"];

/// Checks a service name: `[a-z][a-z0-9-]*`, no `--`, no trailing `-`, at most 40
/// characters, and without the `-service` suffix (the crate gets it).
pub fn check_service_name(name: &str) -> Result<(), String> {
    let hint = "use lowercase letters, digits and '-', starting with a letter, e.g. `shipping` or `order-history`";
    let Some(first) = name.chars().next() else {
        return Err(format!("the service name is empty: {hint}"));
    };
    if !first.is_ascii_lowercase() {
        return Err(format!("service name {name:?} must start with a lowercase letter a-z: {hint}"));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
        return Err(format!("service name {name:?} contains {bad:?}: {hint}"));
    }
    if name.ends_with('-') || name.contains("--") {
        return Err(format!("service name {name:?} must not end with '-' or contain '--': {hint}"));
    }
    if name.len() > MAX_SERVICE_NAME {
        return Err(format!("service name {name:?} is longer than {MAX_SERVICE_NAME} characters"));
    }
    if let Some(short) = name.strip_suffix("-service") {
        return Err(format!("leave out the -service suffix: `{short}` already gives the crate and binary `{name}`"));
    }
    Ok(())
}

/// Checks a Plain card key: the catalogue's card-key rule (`cardmesh_rules::key`,
/// `[a-zA-Z0-9_-]+`), plus at least one letter or digit so the key makes a Rust name.
pub fn check_card_key(key: &str) -> Result<(), String> {
    let pattern = cardmesh_rules::key::CARD_KEY_PATTERN.trim_start_matches('^').trim_end_matches('$');
    if key.is_empty() {
        return Err(format!("a card key is empty: keys match {pattern}, e.g. `last-order`"));
    }
    if !cardmesh_rules::is_valid_card_key(key) {
        let bad = key.chars().find(|c| !cardmesh_rules::is_valid_card_key(c.encode_utf8(&mut [0; 4]))).unwrap_or(' ');
        return Err(format!("card key {key:?} contains {bad:?}: Plain card keys match {pattern}"));
    }
    if !key.chars().any(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("card key {key:?} needs at least one letter or digit"));
    }
    Ok(())
}

/// The words of a name or key: split at `-`, `_` and lowercase-to-uppercase changes,
/// lowercased. `last-order`, `last_order` and `lastOrder` all give `["last", "order"]`.
pub fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous = None;
            continue;
        }
        let boundary = c.is_ascii_uppercase() && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
        previous = Some(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `order-history` → `OrderHistory`.
pub fn pascal_case(name: &str) -> String {
    words(name)
        .iter()
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `last-order` → `last_order`.
pub fn snake_case(text: &str) -> String {
    words(text).join("_")
}

/// `last-order` → `Last order`: a card's title.
pub fn title(key: &str) -> String {
    let mut title = words(key).join(" ");
    if let Some(first) = title.get(0..1) {
        let upper = first.to_ascii_uppercase();
        title.replace_range(0..1, &upper);
    }
    title
}

/// The constant holding a key: `last-order` → `LAST_ORDER`, `2fa` → `CARD_2FA`,
/// `scope` → `SCOPE_CARD` (the generated code already has a `SCOPE`).
pub fn key_const(key: &str) -> String {
    let mut name = snake_case(key).to_ascii_uppercase();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "CARD_");
    }
    if RESERVED_CONSTS.contains(&name.as_str()) {
        name.push_str("_CARD");
    }
    name
}

/// The method drawing a card: `last-order` → `draw_last_order`.
pub fn draw_fn(key: &str) -> String {
    format!("draw_{}", snake_case(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names() {
        for good in ["shipping", "order-history", "a", "b2b", "x-1"] {
            assert_eq!(check_service_name(good), Ok(()), "{good}");
        }
        let cases = [
            ("", "empty"),
            ("Shipping", "must start with a lowercase letter"),
            ("1shipping", "must start with a lowercase letter"),
            ("-shipping", "must start with a lowercase letter"),
            ("ship_ping", "contains '_'"),
            ("ship ping", "contains ' '"),
            ("shipping-", "must not end with '-'"),
            ("ship--ping", "contain '--'"),
            ("shipping-service", "leave out the -service suffix"),
        ];
        for (bad, expected) in cases {
            let error = check_service_name(bad).expect_err(bad);
            assert!(error.contains(expected), "{bad}: {error}");
        }
        let long = "a".repeat(MAX_SERVICE_NAME + 1);
        assert!(check_service_name(&long).is_err());
    }

    #[test]
    fn card_keys() {
        for good in ["last-order", "last_order", "lastOrder", "2fa", "a"] {
            assert_eq!(check_card_key(good), Ok(()), "{good}");
        }
        assert!(check_card_key("").unwrap_err().contains("empty"));
        assert!(check_card_key("last order").unwrap_err().contains("[a-zA-Z0-9_-]+"));
        assert!(check_card_key("läst").unwrap_err().contains("'ä'"));
        assert!(check_card_key("--").unwrap_err().contains("letter or digit"));
    }

    #[test]
    fn derived_names() {
        assert_eq!(words("last-order"), ["last", "order"]);
        assert_eq!(words("lastOrder"), ["last", "order"]);
        assert_eq!(words("HTTPStatus"), ["httpstatus"]);
        assert_eq!(words("-a__b-"), ["a", "b"]);
        assert_eq!(words("v2Api"), ["v2", "api"]);
        assert_eq!(pascal_case("order-history"), "OrderHistory");
        assert_eq!(pascal_case("b2b"), "B2b");
        assert_eq!(snake_case("order-history"), "order_history");
        assert_eq!(title("last-order"), "Last order");
        assert_eq!(title("lastOrder"), "Last order");
        assert_eq!(title("2fa"), "2fa");
        assert_eq!(key_const("last-order"), "LAST_ORDER");
        assert_eq!(key_const("2fa"), "CARD_2FA");
        assert_eq!(key_const("scope"), "SCOPE_CARD");
        assert_eq!(key_const("default_ttl"), "DEFAULT_TTL_CARD");
        assert_eq!(key_const("resync"), "RESYNC_CARD");
        assert_eq!(draw_fn("last-order"), "draw_last_order");
        assert_eq!(draw_fn("type"), "draw_type");
    }
}
