"""Builders for Plain's ten leaf components, named after them.

Each returns a :class:`Component` whose JSON is what Plain documents. Arguments are checked
against the catalogue where a wrong value is a programming error (an enum name that does not
exist, a date-time without a zone, zero or two identifiers); lengths and URLs are checked
with the whole card (:func:`cardmesh_kit.build.check`), and by the server before it answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

from ..rules.catalogue import catalogue
from .component import CardError, Leaf


def _enum_value(kind: str, field: str, value: Enum | str | None) -> str | None:
    """``value`` as the catalogue's name for ``kind.field``; ``CardError`` when unknown."""
    if value is None:
        return None
    name = value.value if isinstance(value, Enum) else value
    allowed = catalogue().enums[catalogue().fields(kind)[field]["enum"]]
    if name not in allowed:
        raise CardError(f"{kind}.{field}: {name!r} is not one of {', '.join(allowed)}")
    return name


def _string(kind: str, field: str, value: object) -> str:
    if not isinstance(value, str):
        raise CardError(f"{kind}.{field}: expected a str, got {type(value).__name__}")
    return value


def _exactly_one(kind: str, field: str, options: dict[str, str | None]) -> dict[str, str]:
    given = {name: value for name, value in options.items() if value is not None}
    if len(given) != 1:
        raise CardError(f"{kind}.{field}: give exactly one of {', '.join(options)}")
    name, value = next(iter(given.items()))
    return {name: _string(kind, f"{field}.{name}", value)}


def text(content: str, *, size: Enum | str | None = None, color: Enum | str | None = None) -> Leaf:
    """``componentText``: markdown text (1 to 10000 characters in Plain's catalogue)."""
    kind = "componentText"
    return Leaf(kind, {"text": _string(kind, "text", content),
                            "textSize": _enum_value(kind, "textSize", size),
                            "textColor": _enum_value(kind, "textColor", color)})


def plain_text(content: str, *, size: Enum | str | None = None,
               color: Enum | str | None = None) -> Leaf:
    """``componentPlainText``: text shown as is, no markdown. Use it for values from your data."""
    kind = "componentPlainText"
    return Leaf(kind, {"plainText": _string(kind, "plainText", content),
                            "plainTextSize": _enum_value(kind, "plainTextSize", size),
                            "plainTextColor": _enum_value(kind, "plainTextColor", color)})


def badge(label: str, *, color: Enum | str | None = None) -> Leaf:
    """``componentBadge``: a status pill."""
    kind = "componentBadge"
    return Leaf(kind, {"badgeLabel": _string(kind, "badgeLabel", label),
                            "badgeColor": _enum_value(kind, "badgeColor", color)})


def link_button(label: str, url: str) -> Leaf:
    """``componentLinkButton``: opens ``url`` (absolute http or https) in a new tab."""
    kind = "componentLinkButton"
    return Leaf(kind, {"linkButtonLabel": _string(kind, "linkButtonLabel", label),
                            "linkButtonUrl": _string(kind, "linkButtonUrl", url)})


def copy_button(value: str, *, tooltip: str | None = None) -> Leaf:
    """``componentCopyButton``: copies ``value``; ``tooltip`` defaults to the value in Plain."""
    kind = "componentCopyButton"
    return Leaf(kind, {
        "copyButtonValue": _string(kind, "copyButtonValue", value),
        "copyButtonTooltipLabel": None if tooltip is None
        else _string(kind, "copyButtonTooltipLabel", tooltip),
    })


def divider(*, spacing: Enum | str | None = None) -> Leaf:
    """``componentDivider``: a horizontal rule; ``spacing`` defaults to Plain's (S)."""
    kind = "componentDivider"
    return Leaf(kind, {"dividerSpacingSize": _enum_value(kind, "dividerSpacingSize", spacing)})


def spacer(size: Enum | str) -> Leaf:
    """``componentSpacer``: empty space of ``size`` (required)."""
    kind = "componentSpacer"
    if size is None:
        raise CardError(f"{kind}.spacerSize: a spacer needs a size")
    return Leaf(kind, {"spacerSize": _enum_value(kind, "spacerSize", size)})


def workflow_button(label: str, *, workflow_id: str | None = None,
                    workflow_key: str | None = None) -> Leaf:
    """``componentWorkflowButton``: starts a Plain workflow named by exactly one of its id or
    its key."""
    kind = "componentWorkflowButton"
    identifier = _exactly_one(kind, "workflowButtonWorkflowIdentifier",
                              {"workflowId": workflow_id, "workflowKey": workflow_key})
    return Leaf(kind, {"workflowButtonLabel": _string(kind, "workflowButtonLabel", label),
                            "workflowButtonWorkflowIdentifier": identifier})


def date_time(value: datetime) -> Leaf:
    """``componentDateTime``: ``value`` (a timezone-aware ``datetime``), shown in the viewer's
    time zone. Sent in UTC, e.g. ``2026-03-01T09:30:00Z``; a naive ``datetime`` is refused
    because its instant is unknown."""
    kind = "componentDateTime"
    if not isinstance(value, datetime):
        raise CardError(f"{kind}.dateTimeIso8601: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise CardError(f"{kind}.dateTimeIso8601: the datetime has no time zone")
    utc = value.astimezone(UTC)
    spec = "milliseconds" if utc.microsecond else "seconds"
    iso = utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"
    return Leaf(kind, {"dateTimeIso8601": iso})


def user(*, user_id: str | None = None, email_address: str | None = None,
         machine_user_id: str | None = None) -> Leaf:
    """``componentUser``: a Plain user or machine user (a workspace member, not a customer),
    named by exactly one identifier."""
    kind = "componentUser"
    identifier = _exactly_one(kind, "userIdentifier", {
        "userId": user_id, "emailAddress": email_address, "machineUserId": machine_user_id})
    return Leaf(kind, {"userIdentifier": identifier})
