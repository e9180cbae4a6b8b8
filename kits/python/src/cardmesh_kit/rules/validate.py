"""The catalogue-driven validator: checks a card's components, in Plain's JSON, against the
catalogue and names every problem by its JSON path and rule code.

Rule codes are those of the Rust ``cardmesh-rules`` crate (``required``, ``minChars``,
``maxChars``, ``enum``, ``url``, ``dateTime``, ``oneOf``, ``minItems``, ``nesting``,
``unknownComponent``, ``unknownField``, ``type``; warnings: ``deprecated``). The shared
fixtures in ``rules/fixtures/`` hold every kit to the same answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from .catalogue import Catalogue, catalogue

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
    re.ASCII,
)


@dataclass(frozen=True)
class Issue:
    """One problem: where (``components[0].componentText.text``), which rule, and why."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} ({self.rule})"


@dataclass
class Report:
    """What :func:`validate_components` found: violations (Plain refuses the card) and
    warnings (deprecated names Plain still accepts)."""

    violations: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no violation."""
        return not self.violations


def validate_components(components: Any, rules: Catalogue | None = None) -> Report:
    """Checks ``components`` (a card's top-level list, in Plain's JSON) against ``rules``
    (default: the catalogue shipped in this package)."""
    checker = _Checker(rules or catalogue())
    if not isinstance(components, list):
        checker.violation("components", "type", "expected an array of components")
    else:
        checker.items(components, "component", "components")
    return checker.report


class _Checker:
    def __init__(self, rules: Catalogue) -> None:
        self.rules = rules
        self.report = Report()

    def violation(self, path: str, rule: str, message: str) -> None:
        self.report.violations.append(Issue(path, rule, message))

    def warning(self, path: str, rule: str, message: str) -> None:
        self.report.warnings.append(Issue(path, rule, message))

    def items(self, items: list, level: str, path: str) -> None:
        allowed = self.rules.allowed(level)
        for index, item in enumerate(items):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.violation(item_path, "type", "expected a component object")
                continue
            known = [(kind, body) for kind, body in item.items()
                     if kind in self.rules.components and body is not None]
            unknown = [kind for kind in item if kind not in self.rules.components]
            for kind in unknown:
                self.violation(f"{item_path}.{kind}", "unknownComponent", f"{kind} is not a Plain component")
            if len(known) > 1 or (not known and not unknown):
                self.violation(item_path, "oneOf", f"expected exactly one component, found {len(known)}")
            for kind, body in known:
                kind_path = f"{item_path}.{kind}"
                if kind not in allowed:
                    self.violation(kind_path, "nesting", f"{kind} is not allowed in {level}")
                else:
                    self.component(kind, body, kind_path)

    def component(self, kind: str, body: Any, path: str) -> None:
        if not isinstance(body, dict):
            self.violation(path, "type", f"{kind} must be an object")
            return
        fields = self.rules.fields(kind)
        aliases = self.rules.aliases(kind)
        alias_of = {current: alias for alias, current in aliases.items()}
        for name, spec in fields.items():
            current = body.get(name)
            alias = alias_of.get(name)
            by_alias = body.get(alias) if alias is not None else None
            if current is not None and by_alias is not None:
                self.violation(f"{path}.{alias}", "aliasConflict",
                               f"both the deprecated {alias} and {name} are set; keep only {name}")
            if current is not None:
                self.value(spec, current, f"{path}.{name}")
            elif by_alias is not None:
                self.value(spec, by_alias, f"{path}.{alias}")
            elif spec.get("required"):
                self.violation(f"{path}.{name}", "required", f"{name} is required")
        for name, value in body.items():
            if name in fields:
                continue
            if name in aliases:
                if value is not None:
                    self.warning(f"{path}.{name}", "deprecated",
                                 f"{name} is deprecated: use {aliases[name]}")
            else:
                self.violation(f"{path}.{name}", "unknownField", f"{kind} has no field {name}")

    def value(self, spec: dict[str, Any], value: Any, path: str) -> None:
        kind = spec["type"]
        if kind == "string":
            self.string(spec, value, path)
        elif kind == "enum":
            names = self.rules.enums[spec["enum"]]
            if not isinstance(value, str):
                self.violation(path, "type", f"expected one of {', '.join(names)}")
            elif value not in names:
                self.violation(path, "enum", f"expected one of {', '.join(names)}")
        elif kind == "url":
            if not isinstance(value, str):
                self.violation(path, "type", "expected a string")
            elif not _is_url(value, spec.get("schemes", [])):
                schemes = "/".join(spec.get("schemes", []))
                self.violation(path, "url", f"expected an absolute {schemes} URL with a host")
        elif kind == "dateTime":
            if not isinstance(value, str):
                self.violation(path, "type", "expected a string")
            elif not _is_date_time(value):
                self.violation(path, "dateTime", "expected an RFC 3339 date-time with a time zone")
        elif kind == "oneOf":
            self.one_of(spec, value, path)
        elif kind == "list":
            self.list(spec, value, path)
        else:
            raise ValueError(f"the catalogue names an unknown field type {kind!r} at {path}")

    def string(self, spec: dict[str, Any], value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.violation(path, "type", "expected a string")
            return
        length = len(value)
        if "minChars" in spec and length < spec["minChars"]:
            self.violation(path, "minChars", f"at least {spec['minChars']} characters, got {length}")
        if "maxChars" in spec and length > spec["maxChars"]:
            self.violation(path, "maxChars", f"at most {spec['maxChars']} characters, got {length}")

    def one_of(self, spec: dict[str, Any], value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.violation(path, "type", "expected an object")
            return
        options = spec["of"]
        known = [key for key in options if value.get(key) is not None]
        for key in known:
            self.value(options[key], value[key], f"{path}.{key}")
        if len(known) != 1:
            self.violation(path, "oneOf", f"expected exactly one of {', '.join(options)}")
        for key in value:
            if key not in options:
                self.violation(f"{path}.{key}", "unknownField", f"no option {key}")

    def list(self, spec: dict[str, Any], value: Any, path: str) -> None:
        if not isinstance(value, list):
            self.violation(path, "type", "expected an array")
            return
        if "minItems" in spec and len(value) < spec["minItems"]:
            self.violation(path, "minItems", f"at least {spec['minItems']} entries, got {len(value)}")
        if "maxItems" in spec and len(value) > spec["maxItems"]:
            self.violation(path, "maxItems", f"at most {spec['maxItems']} entries, got {len(value)}")
        self.items(value, spec["level"], path)


def _is_url(value: str, schemes: list[str]) -> bool:
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in schemes and bool(host) and not any(c.isspace() for c in value)


def _is_date_time(value: str) -> bool:
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper())
    except ValueError:
        return False
    return True
