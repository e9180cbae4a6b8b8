//! Property tests: component trees built with the kit's typed builders, against the gateway.
//!
//! - A tree built within Plain's limits (every kind, every nesting the builders allow,
//!   unicode strings from 1 character up to the limit, http(s) URLs) has no kit `problems`,
//!   renders in the gateway, and the card the gateway answers with passes the validator and
//!   the `validate` subcommand.
//! - For any tree the builders accept (empty and oversized strings, junk URLs, an unsized
//!   spacer, empty rows and containers too, bad date-times and empty user identifiers), the
//!   kit's proto-side `problems` and the gateway's JSON-side validator find exactly the same
//!   (path, rule) pairs, and the gateway's `render_card` (which judges the proto tree and
//!   writes the card text straight from it) answers exactly what rendering to a JSON value
//!   and validating that does: the same bytes, or the same errors.

use cardmesh_gateway::cli::validate_document;
use cardmesh_gateway::plain::{CardJson, ResponseBody};
use cardmesh_gateway::render::{render_card, render_checked, render_components};
use cardmesh_kit::build::limits::{COPY_VALUE_MAX, LABEL_MAX, TEXT_MAX};
use cardmesh_kit::build::*;
use cardmesh_rules::{validate_response_for, Violation};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// The strings and URLs a tree is built from.
#[derive(Clone, Copy)]
enum Strings {
    /// Within Plain's limits: 1..=max characters, absolute http(s) URLs.
    Valid,
    /// Also empty, one character over the limit, and URLs Plain refuses.
    Any,
}

/// A string for a field of at most `max` characters.
fn string(max: usize, strings: Strings) -> BoxedStrategy<String> {
    let short = vec(any::<char>(), 1..=24).prop_map(String::from_iter);
    // Exactly the limit, in one repeated (possibly multi-byte) character.
    let longest = any::<char>().prop_map(move |c| std::iter::repeat_n(c, max).collect::<String>());
    match strings {
        Strings::Valid => prop_oneof![8 => short, 1 => longest].boxed(),
        Strings::Any => {
            let over = any::<char>().prop_map(move |c| std::iter::repeat_n(c, max + 1).collect());
            prop_oneof![6 => short, 1 => longest, 2 => Just(String::new()), 1 => over].boxed()
        }
    }
}

/// An absolute http(s) URL with a host, and with `Strings::Any` also URLs Plain refuses.
fn url(strings: Strings) -> BoxedStrategy<String> {
    let valid = (
        select(vec!["http", "https"]),
        // No "--", so never an "xn--" label that must be valid punycode.
        "[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,6})?(\\.[a-z]{2,6}){0,2}",
        proptest::option::of(1u16..),
        any::<String>(),
    )
        .prop_map(|(scheme, host, port, path)| match port {
            Some(port) => format!("{scheme}://{host}:{port}/{path}"),
            None => format!("{scheme}://{host}/{path}"),
        });
    match strings {
        Strings::Valid => valid.boxed(),
        Strings::Any => {
            let refused = select(vec![
                "",
                "/relative/path",
                "example.com",
                "mailto:ada@example.com",
                "javascript:alert(1)",
                "ftp://example.com/file",
                "https://",
                "http://[::1",
            ])
            .prop_map(str::to_owned);
            prop_oneof![3 => valid, 1 => refused, 1 => any::<String>()].boxed()
        }
    }
}

fn text_size() -> impl Strategy<Value = TextSize> {
    select(vec![TextSize::Unspecified, TextSize::S, TextSize::M, TextSize::L])
}

fn text_color() -> impl Strategy<Value = TextColor> {
    select(vec![
        TextColor::Unspecified,
        TextColor::Normal,
        TextColor::Muted,
        TextColor::Success,
        TextColor::Warning,
        TextColor::Error,
    ])
}

fn badge_color() -> impl Strategy<Value = BadgeColor> {
    select(vec![
        BadgeColor::Unspecified,
        BadgeColor::Grey,
        BadgeColor::Green,
        BadgeColor::Yellow,
        BadgeColor::Red,
        BadgeColor::Blue,
    ])
}

/// Sizes Plain accepts for a spacer; [`SpacingSize::Unspecified`] only with `Strings::Any`.
fn spacing(strings: Strings, allow_unspecified: bool) -> impl Strategy<Value = SpacingSize> {
    let mut sizes = vec![SpacingSize::Xs, SpacingSize::S, SpacingSize::M, SpacingSize::L, SpacingSize::Xl];
    if allow_unspecified || matches!(strings, Strings::Any) {
        sizes.push(SpacingSize::Unspecified);
    }
    select(sizes)
}

/// A date-time: an instant in RFC 3339's years, and with `Strings::Any` also strings Plain
/// refuses.
fn a_date_time(strings: Strings) -> BoxedStrategy<DateTime> {
    // 0001-01-01 .. 9999-12-31, to the nanosecond.
    let instant = (-62_135_596_800i64..253_402_300_799, 0u32..1_000_000_000).prop_map(|(secs, nanos)| {
        let at = cardmesh_kit::time::OffsetDateTime::from_unix_timestamp(secs).expect("in range");
        date_time(at.replace_nanosecond(nanos).expect("nanos"))
    });
    match strings {
        Strings::Valid => instant.boxed(),
        Strings::Any => {
            let refused = select(vec!["", "2026-03-01", "2026-03-01T09:30:00", "2026-02-30T00:00:00Z", "yesterday"])
                .prop_map(date_time_iso8601);
            prop_oneof![3 => instant, 1 => refused, 1 => any::<String>().prop_map(date_time_iso8601)].boxed()
        }
    }
}

/// A user by one of its three identifiers.
fn a_user(strings: Strings) -> impl Strategy<Value = User> {
    (0..3u8, string(LABEL_MAX, strings)).prop_map(|(which, id)| match which {
        0 => user_by_id(id),
        1 => user_by_email(id),
        _ => machine_user(id),
    })
}

/// One of the ten leaf builders' values.
#[derive(Debug, Clone)]
enum Leaf {
    Text(Text),
    PlainText(PlainText),
    Badge(Badge),
    LinkButton(LinkButton),
    CopyButton(CopyButton),
    Divider(Divider),
    Spacer(Spacer),
    WorkflowButton(WorkflowButton),
    DateTime(DateTime),
    User(User),
}

impl Leaf {
    /// Into a row entry, a container entry or a top-level component, through the builders'
    /// own conversions.
    fn into<T>(self) -> T
    where
        T: From<Text>
            + From<PlainText>
            + From<Badge>
            + From<LinkButton>
            + From<CopyButton>
            + From<Divider>
            + From<Spacer>
            + From<WorkflowButton>
            + From<DateTime>
            + From<User>,
    {
        match self {
            Leaf::Text(x) => x.into(),
            Leaf::PlainText(x) => x.into(),
            Leaf::Badge(x) => x.into(),
            Leaf::LinkButton(x) => x.into(),
            Leaf::CopyButton(x) => x.into(),
            Leaf::Divider(x) => x.into(),
            Leaf::Spacer(x) => x.into(),
            Leaf::WorkflowButton(x) => x.into(),
            Leaf::DateTime(x) => x.into(),
            Leaf::User(x) => x.into(),
        }
    }
}

/// Any leaf, optional setters applied or not.
fn leaf(s: Strings) -> impl Strategy<Value = Leaf> {
    let text_leaf = (string(TEXT_MAX, s), proptest::option::of(text_size()), proptest::option::of(text_color()))
        .prop_map(|(t, size, color)| {
            let mut b = text(t);
            if let Some(size) = size {
                b = b.size(size);
            }
            if let Some(color) = color {
                b = b.color(color);
            }
            Leaf::Text(b)
        });
    let plain_leaf = (string(TEXT_MAX, s), proptest::option::of(text_size()), proptest::option::of(text_color()))
        .prop_map(|(t, size, color)| {
            let mut b = plain_text(t);
            if let Some(size) = size {
                b = b.size(size);
            }
            if let Some(color) = color {
                b = b.color(color);
            }
            Leaf::PlainText(b)
        });
    let badge_leaf = (string(LABEL_MAX, s), proptest::option::of(badge_color())).prop_map(|(label, color)| {
        let b = badge(label);
        Leaf::Badge(match color {
            Some(color) => b.color(color),
            None => b,
        })
    });
    let link_leaf = (string(LABEL_MAX, s), url(s)).prop_map(|(label, url)| Leaf::LinkButton(link_button(label, url)));
    let copy_leaf =
        (string(COPY_VALUE_MAX, s), proptest::option::of(string(LABEL_MAX, s))).prop_map(|(value, tooltip)| {
            let b = copy_button(value);
            Leaf::CopyButton(match tooltip {
                Some(tooltip) => b.tooltip(tooltip),
                None => b,
            })
        });
    let divider_leaf = proptest::option::of(spacing(s, true)).prop_map(|size| {
        Leaf::Divider(match size {
            Some(size) => divider().spacing(size),
            None => divider(),
        })
    });
    let spacer_leaf = spacing(s, false).prop_map(|size| Leaf::Spacer(spacer(size)));
    let workflow_leaf = (string(LABEL_MAX, s), string(LABEL_MAX, s), any::<bool>()).prop_map(|(label, name, by_id)| {
        Leaf::WorkflowButton(if by_id { workflow_button_id(label, name) } else { workflow_button_key(label, name) })
    });
    prop_oneof![
        text_leaf,
        plain_leaf,
        badge_leaf,
        link_leaf,
        copy_leaf,
        divider_leaf,
        spacer_leaf,
        workflow_leaf,
        a_date_time(s).prop_map(Leaf::DateTime),
        a_user(s).prop_map(Leaf::User)
    ]
}

/// A row: leaves in both columns (an empty main column only with `Strings::Any`; the aside
/// may always be empty).
fn a_row(s: Strings) -> impl Strategy<Value = Row> {
    let min = if matches!(s, Strings::Any) { 0 } else { 1 };
    (vec(leaf(s), min..4), vec(leaf(s), 0..4)).prop_map(|(main, aside)| {
        row(main.into_iter().map(Leaf::into::<RowContent>), aside.into_iter().map(Leaf::into::<RowContent>))
    })
}

/// A container of leaves and rows (empty only with `Strings::Any`).
fn a_container(s: Strings) -> impl Strategy<Value = Container> {
    let min = if matches!(s, Strings::Any) { 0 } else { 1 };
    let entry = prop_oneof![
        3 => leaf(s).prop_map(Leaf::into::<ContainerContent>),
        1 => a_row(s).prop_map(ContainerContent::from),
    ];
    vec(entry, min..5).prop_map(container)
}

/// A card's top-level components: leaves, rows and containers.
fn components(s: Strings) -> impl Strategy<Value = Vec<Component>> {
    let top = prop_oneof![
        3 => leaf(s).prop_map(Leaf::into::<Component>),
        1 => a_row(s).prop_map(Component::from),
        1 => a_container(s).prop_map(Component::from),
    ];
    vec(top, 0..6)
}

/// The answer the gateway would send for one card made of `rendered`.
fn answer(rendered: &serde_json::Value) -> String {
    let card = CardJson::new("prop-card", Some(60), Some(rendered));
    ResponseBody::build([&card])
}

fn show(violations: &[Violation]) -> Vec<String> {
    violations.iter().map(ToString::to_string).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn trees_built_within_limits_render_to_valid_plain_json(tree in components(Strings::Valid)) {
        prop_assert_eq!(problems(&tree), Vec::<String>::new());
        let rendered = render_checked(&tree).map_err(|v| TestCaseError::fail(format!("{:?}", show(&v))))?;
        prop_assert_eq!(rendered.as_array().map(Vec::len), Some(tree.len()));
        prop_assert_eq!(&render_components(&tree).expect("renders"), &rendered);

        // The card written straight from the proto tree is the rendered value's, byte for byte.
        let card = render_card("prop-card", Some(60), &tree).map_err(|v| TestCaseError::fail(format!("{:?}", show(&v))))?;
        let body = answer(&rendered);
        prop_assert_eq!(ResponseBody::build([&card]), body.clone());
        let doc: serde_json::Value = serde_json::from_str(&body).expect("the answer is JSON");
        prop_assert_eq!(show(&validate_response_for(&doc, &["prop-card"])), Vec::<String>::new());
        prop_assert_eq!(validate_document(body.as_bytes()), Vec::<String>::new());
    }

    #[test]
    fn kit_problems_and_gateway_agree_on_any_built_tree(tree in components(Strings::Any)) {
        let kit = problems(&tree);
        let gateway = render_checked(&tree);
        prop_assert_eq!(
            kit.is_empty(),
            gateway.is_ok(),
            "kit: {:?}\ngateway: {:?}",
            kit,
            gateway.as_ref().err().map(|v| show(v))
        );
        // The same findings, path for path and rule for rule.
        let mut kit_pairs: Vec<(String, &str)> =
            findings(&tree).into_iter().map(|v| (v.path, v.rule.code())).collect();
        let mut gateway_pairs: Vec<(String, &str)> = gateway
            .as_ref()
            .err()
            .into_iter()
            .flatten()
            .map(|v| (v.path.clone(), v.rule.code()))
            .collect();
        kit_pairs.sort();
        gateway_pairs.sort();
        prop_assert_eq!(kit_pairs, gateway_pairs);
        // The gateway's own path judges the proto tree: the same verdict, the same errors.
        let written = render_card("prop-card", Some(60), &tree).map(|card| ResponseBody::build([&card]));
        prop_assert_eq!(written, gateway.clone().map(|rendered| answer(&rendered)));
        if let Ok(rendered) = gateway {
            prop_assert_eq!(validate_document(answer(&rendered).as_bytes()), Vec::<String>::new());
        }
    }
}
