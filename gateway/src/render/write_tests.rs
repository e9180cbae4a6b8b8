//! [`render_card`]: the text written straight from the proto tree is the text of the JSON
//! value route, and invalid trees get that route's errors.

use cardmesh_proto::{component::Component as C, Badge, Component, Spacer, Text};

use super::tests::rich_card;
use super::{render_card, render_checked, render_components, write};
use crate::plain::CardJson;

fn top(c: C) -> Component {
    Component { component: Some(c) }
}

/// The card as the JSON value route writes it.
fn by_value(key: &str, ttl: Option<u32>, components: &[Component]) -> String {
    let value = render_components(components).expect("renders");
    CardJson::new(key, ttl, Some(&value)).as_str().to_owned()
}

#[test]
fn the_written_card_is_the_rendered_value_byte_for_byte() {
    let tree = rich_card();
    for ttl in [None, Some(0), Some(300)] {
        let card = render_card("rich", ttl, &tree).expect("valid");
        assert_eq!(card.as_str(), by_value("rich", ttl, &tree), "ttl {ttl:?}");
    }
    let empty = render_card("empty", Some(60), &[]).expect("valid");
    assert_eq!(empty.as_str(), r#"{"key":"empty","timeToLiveSeconds":60,"components":[]}"#);
}

#[test]
fn keys_and_strings_are_escaped_as_serde_json_escapes_them() {
    let text =
        Text { text: "quote \" backslash \\ newline \n tab \t bell \u{7} é 😀".into(), text_size: 0, text_color: 0 };
    let tree = [top(C::Text(text))];
    let card = render_card("key-\"odd\"", None, &tree).expect("valid");
    assert_eq!(card.as_str(), by_value("key-\"odd\"", None, &tree));
    let parsed: serde_json::Value = serde_json::from_str(card.as_str()).expect("JSON");
    assert_eq!(
        parsed["components"][0]["componentText"]["text"],
        "quote \" backslash \\ newline \n tab \t bell \u{7} é 😀"
    );
}

#[test]
fn an_invalid_tree_gets_the_json_validators_errors() {
    let tree = [
        top(C::Badge(Badge { badge_label: String::new(), badge_color: 0 })),
        top(C::Spacer(Spacer { spacer_size: 0 })),
        Component { component: None },
    ];
    let errors = render_card("bad", None, &tree).expect_err("invalid");
    assert_eq!(Err(errors), render_checked(&tree));

    let unknown_enum = [top(C::Badge(Badge { badge_label: "x".into(), badge_color: 99 }))];
    let errors = render_card("bad", None, &unknown_enum).expect_err("unknown enum number");
    assert_eq!(Err(errors.clone()), render_checked(&unknown_enum));
    assert!(errors[0].message.contains("newer proto"), "{errors:?}");
}

#[test]
fn the_writer_refuses_what_json_cannot_express_without_panicking() {
    assert_eq!(write::card("k", None, &[Component { component: None }]), None, "unset oneof");
    for unknown in [
        top(C::Spacer(Spacer { spacer_size: 42 })),
        top(C::Badge(Badge { badge_label: "x".into(), badge_color: -1 })),
        top(C::Text(Text { text: "x".into(), text_size: 0, text_color: 9 })),
    ] {
        assert_eq!(write::card("k", None, std::slice::from_ref(&unknown)), None, "{unknown:?}");
    }
}
