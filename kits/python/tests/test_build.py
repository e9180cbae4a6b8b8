"""The builders: Plain's JSON, nesting refused at once, conversion to the proto messages."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cardmesh.v1 import components_pb2 as pb
from cardmesh_kit import Card
from cardmesh_kit.build import (
    BadgeColor,
    CardError,
    SpacingSize,
    TextColor,
    TextSize,
    badge,
    check,
    container,
    copy_button,
    date_time,
    divider,
    link_button,
    plain_text,
    problems,
    row,
    spacer,
    text,
    user,
    workflow_button,
)
from cardmesh_kit.build.enums import BY_CATALOGUE_NAME
from cardmesh_kit.build.proto import to_proto
from cardmesh_kit.rules import catalogue


def every_component():
    leaves = [
        text("**Hi**", size=TextSize.L, color=TextColor.MUTED),
        plain_text("as is", size="S"),
        badge("Pro", color=BadgeColor.GREEN),
        link_button("Open", "https://example.com/a"),
        copy_button("acc_1", tooltip="Copy"),
        divider(spacing=SpacingSize.M),
        spacer(SpacingSize.XS),
        workflow_button("Run", workflow_id="wf_1"),
        date_time(datetime(2026, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=1)))),
        user(email_address="agent@example.com"),
    ]
    return [container([row(leaves[:5], leaves[5:]), *leaves]), row([text("a")], [text("b")]), *leaves]


def test_the_enums_are_the_catalogues():
    assert set(BY_CATALOGUE_NAME) == set(catalogue().enums)
    for name, members in catalogue().enums.items():
        assert [member.value for member in BY_CATALOGUE_NAME[name]] == members, name


def test_builders_give_plains_json():
    assert text("Hi", size=TextSize.S).to_plain() == {"componentText": {"text": "Hi", "textSize": "S"}}
    assert divider().to_plain() == {"componentDivider": {}}
    assert workflow_button("Run", workflow_key="k").to_plain() == {"componentWorkflowButton": {
        "workflowButtonLabel": "Run", "workflowButtonWorkflowIdentifier": {"workflowKey": "k"}}}
    assert user(user_id="u_1").to_plain() == {"componentUser": {"userIdentifier": {"userId": "u_1"}}}
    assert copy_button("v").to_plain() == {"componentCopyButton": {"copyButtonValue": "v"}}


def test_date_time_takes_an_aware_datetime_and_sends_utc():
    paris = timezone(timedelta(hours=1))
    assert date_time(datetime(2026, 3, 1, 10, 30, tzinfo=paris)).fields == {
        "dateTimeIso8601": "2026-03-01T09:30:00Z"}
    assert date_time(datetime(2026, 3, 1, 9, 30, 0, 250000, tzinfo=UTC)).fields == {
        "dateTimeIso8601": "2026-03-01T09:30:00.250Z"}
    with pytest.raises(CardError, match="no time zone"):
        date_time(datetime(2026, 3, 1, 9, 30))
    with pytest.raises(CardError, match="expected a datetime"):
        date_time("2026-03-01T09:30:00Z")


def test_bad_nesting_is_refused_naming_the_position():
    with pytest.raises(CardError, match=r"rowMainContent\[1\]: componentRow is not allowed"):
        row([text("a"), row([text("b")], [text("c")])], [text("d")])
    with pytest.raises(CardError, match=r"rowAsideContent\[0\]: componentContainer"):
        row([text("a")], [container([text("b")])])
    with pytest.raises(CardError, match=r"containerContent\[0\]: componentContainer is not allowed"):
        container([container([text("a")])])
    with pytest.raises(CardError, match=r"containerContent\[1\]: a str is not a component"):
        container([text("a"), "b"])
    with pytest.raises(TypeError, match=r"components\[0\] is a dict"):
        Card([{"componentText": {"text": "hi"}}])


def test_wrong_arguments_are_refused():
    with pytest.raises(CardError, match="'PURPLE' is not one of"):
        badge("x", color="PURPLE")
    with pytest.raises(CardError, match="exactly one of workflowId, workflowKey"):
        workflow_button("Run")
    with pytest.raises(CardError, match="exactly one of userId"):
        user(user_id="u", machine_user_id="m")
    with pytest.raises(CardError, match="needs a size"):
        spacer(None)
    with pytest.raises(CardError, match="expected a str"):
        text(42)


def test_check_names_every_rule_a_card_breaks():
    card = [text(""), container([badge("x" * 501)]), link_button("Open", "ftp://example.com")]
    found = sorted((issue.path, issue.rule) for issue in problems(card))
    assert found == [
        ("components[0].componentText.text", "minChars"),
        ("components[1].componentContainer.containerContent[0].componentBadge.badgeLabel", "maxChars"),
        ("components[2].componentLinkButton.linkButtonUrl", "url"),
    ]
    with pytest.raises(CardError, match="minChars"):
        check(card)
    check(every_component())


def test_every_component_converts_to_the_proto_messages():
    converted = to_proto(every_component())
    assert [c.WhichOneof("component") for c in converted] == [
        "container", "row", "text", "plain_text", "badge", "link_button", "copy_button", "divider",
        "spacer", "workflow_button", "date_time", "user"]
    inner = converted[0].container.container_content
    assert inner[0].row.row_aside_content[0].divider.divider_spacing_size == pb.SPACING_SIZE_M
    assert converted[2].text == pb.Text(text="**Hi**", text_size=pb.TEXT_SIZE_L,
                                        text_color=pb.TEXT_COLOR_MUTED)
    assert converted[9].workflow_button.workflow_id == "wf_1"
    assert converted[10].date_time.date_time_iso8601 == "2026-03-01T09:30:00Z"
    assert converted[11].user.email_address == "agent@example.com"
    assert converted[7].HasField("divider")
