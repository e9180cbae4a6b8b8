"""The verdict of scripts/audit.sh for one ecosystem, from the JSON reports of its tool.

    audit_report.py npm  --allow audit-allow.toml LABEL=REPORT.json[:STDERR] ...
    audit_report.py pypi --allow audit-allow.toml LABEL=REPORT.json[:STDERR] ...
    audit_report.py check-allow audit-allow.toml

Each LABEL (a folder, a lock file) has the JSON its tool wrote (`npm audit --json`,
`pip-audit -f json`), and optionally the file of the tool's standard error. Prints one verdict
line, then one line per advisory, and exits with:

    0   passed: every dependency was checked, and no advisory is left once the allow-list
        has had its say;
    3   skipped: no advisory service: the tool could not reach its advisory service (npm's
        audit endpoint, PyPI's or OSV's vulnerability data) for some or all dependencies, and
        found nothing in the rest. Never reported as passed;
    1   failed: an advisory that no allow-list entry explains;
    2   error: the tool failed for another reason (no lock file, bad arguments, a crash).

The allow-list (audit-allow.toml) holds reviewed exceptions, `[[npm]]` and `[[pypi]]` tables
of `id`, `package`, `reason` and `reviewed` (a date). An advisory is allowed when its id, or
one of its aliases, and its package match an entry.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASSED, FAILED, ERROR, SKIPPED = 0, 1, 2, 3
ECOSYSTEMS = ("npm", "pypi")
ENTRY_KEYS = {"id", "package", "reason", "reviewed"}

# How a tool says that it could not reach its advisory service, rather than that the audit
# itself went wrong.
NETWORK_CODES = (
    "ECONNREFUSED",
    "ENOTFOUND",
    "EAI_AGAIN",
    "ETIMEDOUT",
    "ECONNRESET",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "ESOCKETTIMEDOUT",
    "CERT_",
    "SELF_SIGNED_CERT",
)
NPM_AUDIT_ENDPOINT = "/-/npm/v1/security/"
PIP_AUDIT_UNREACHABLE = re.compile(
    r"ConnectionError|ServiceError|Could not connect|vulnerability feed|Max retries exceeded|"
    r"Read timed out|NameResolutionError|Temporary failure in name resolution|SSLError"
)


@dataclass(frozen=True)
class Advisory:
    id: str
    package: str
    version: str
    summary: str
    aliases: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What one ecosystem's reports add up to."""

    checked: int = 0
    unchecked: int = 0
    unreachable: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    advisories: dict[tuple[str, str], Advisory] = field(default_factory=dict)


class AllowListError(Exception):
    pass


def load_allow_list(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The allow-list, checked: every entry complete, no unknown key or table."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise AllowListError(f"{path}: {error}") from error
    unknown = set(data) - set(ECOSYSTEMS)
    if unknown:
        raise AllowListError(f"{path}: unknown table(s) {sorted(unknown)}; use [[npm]] or [[pypi]]")
    entries: dict[str, list[dict[str, Any]]] = {}
    for ecosystem in ECOSYSTEMS:
        listed = data.get(ecosystem, [])
        if not isinstance(listed, list):
            raise AllowListError(f"{path}: `{ecosystem}` must be an array of tables ([[{ecosystem}]])")
        for n, entry in enumerate(listed, 1):
            where = f"{path}: [[{ecosystem}]] entry {n}"
            if set(entry) != ENTRY_KEYS:
                raise AllowListError(f"{where} has {sorted(entry)}; it needs exactly {sorted(ENTRY_KEYS)}")
            for key in ("id", "package", "reason"):
                if not isinstance(entry[key], str) or not entry[key].strip():
                    raise AllowListError(f"{where}: `{key}` must be a non-empty string")
            if not isinstance(entry["reviewed"], datetime.date):
                raise AllowListError(f"{where}: `reviewed` must be a date (reviewed = 2026-12-06)")
        entries[ecosystem] = listed
    return entries


def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        return None


def read_text(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def npm_report(label: str, report: Any, stderr: str, outcome: Outcome) -> None:
    """`npm audit --omit=dev --json`: a report, or an error object."""
    if isinstance(report, dict) and "auditReportVersion" in report:
        meta = report.get("metadata", {}).get("dependencies", {})
        # npm counts the project itself among its production dependencies.
        prod = max(int(meta.get("prod", 0)) - 1, 0) if isinstance(meta, dict) else 0
        outcome.checked += prod
        outcome.notes.append(f"{label}: {prod} production dependencies checked")
        for vulnerable in report.get("vulnerabilities", {}).values():
            for via in vulnerable.get("via", []):
                # A string names another vulnerable package: its own entry has the advisory.
                if not isinstance(via, dict):
                    continue
                url = str(via.get("url", ""))
                ghsa = re.search(r"GHSA(-[23456789cfghjmpqrvwx]{4}){3}", url)
                advisory_id = ghsa.group(0) if ghsa else f"npm-{via.get('source')}"
                package = str(via.get("name", vulnerable.get("name", "?")))
                summary = f"{via.get('severity', '?')}: {via.get('title', '')} {url}".strip()
                key = (advisory_id, package)
                outcome.advisories.setdefault(
                    key, Advisory(advisory_id, package, str(via.get("range", "")), summary)
                )
        return
    if isinstance(report, dict) and ("error" in report or "message" in report):
        error = report.get("error") if isinstance(report.get("error"), dict) else {}
        code = str(error.get("code", "")) if error else ""
        message = str(report.get("message") or (error.get("summary") if error else "") or code)
        service = (
            "statusCode" in report
            or NPM_AUDIT_ENDPOINT in message
            or any(c in code or c in message for c in NETWORK_CODES)
        )
        if service:
            outcome.unreachable.append(f"{label}: {message}")
        else:
            outcome.errors.append(f"{label}: npm audit failed: {code} {message}".strip())
        return
    outcome.errors.append(f"{label}: npm audit printed no JSON report ({last_line(stderr)})")


def pypi_report(label: str, report: Any, stderr: str, outcome: Outcome) -> None:
    """`pip-audit -f json`: per dependency, its vulnerabilities or why it was skipped. It
    writes no report when its service fails outright."""
    if not isinstance(report, dict) or not isinstance(report.get("dependencies"), list):
        if PIP_AUDIT_UNREACHABLE.search(stderr):
            outcome.unreachable.append(f"{label}: {last_line(stderr)}")
        else:
            outcome.errors.append(f"{label}: pip-audit wrote no report ({last_line(stderr)})")
        return
    skipped = [d for d in report["dependencies"] if "vulns" not in d]
    for dependency in report["dependencies"]:
        if "vulns" not in dependency:
            continue
        outcome.checked += 1
        for vuln in dependency["vulns"]:
            advisory = Advisory(
                str(vuln["id"]),
                str(dependency["name"]),
                str(dependency.get("version", "")),
                f"fixed in {', '.join(vuln.get('fix_versions') or []) or 'no release yet'}",
                tuple(str(a) for a in vuln.get("aliases") or ()),
            )
            outcome.advisories.setdefault((advisory.id, advisory.package), advisory)
    total = len(report["dependencies"])
    if len(skipped) < total:
        outcome.notes.append(f"{label}: {total - len(skipped)} of {total} dependencies checked")
    if skipped:
        # With --no-deps every requirement is pinned, so a dependency is skipped only when the
        # service had no answer for it ("Dependency not found on PyPI" where PyPI's JSON API
        # is out of reach).
        outcome.unchecked += len(skipped)
        outcome.unreachable.append(
            f"{label}: {len(skipped)} of {total} dependencies could not be audited "
            f"({skipped[0].get('skip_reason', 'no reason given')})"
        )


def allowed(advisory: Advisory, entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    ids = {advisory.id.upper(), *(a.upper() for a in advisory.aliases)}
    package = advisory.package.lower().replace("_", "-")
    for entry in entries:
        if entry["id"].upper() in ids and entry["package"].lower().replace("_", "-") == package:
            return entry
    return None


def verdict(outcome: Outcome, entries: list[dict[str, Any]]) -> tuple[int, list[str]]:
    lines: list[str] = []
    failing = []
    used = set()
    for advisory in sorted(outcome.advisories.values(), key=lambda a: (a.package, a.id)):
        entry = allowed(advisory, entries)
        if entry is None:
            failing.append(advisory)
            name = advisory.id + (f" ({', '.join(advisory.aliases)})" if advisory.aliases else "")
            lines.append(f"  FINDING {name} in {advisory.package} {advisory.version}: {advisory.summary}")
        else:
            used.add(id(entry))
            lines.append(
                f"  allowed {advisory.id} in {advisory.package}: {entry['reason']} "
                f"(audit-allow.toml, reviewed {entry['reviewed']})"
            )
    lines += [f"  {note}" for note in outcome.notes]
    lines += [f"  error: {error}" for error in outcome.errors]
    lines += [f"  no advisory service: {reason}" for reason in outcome.unreachable]
    if not outcome.unreachable:
        lines += [
            f"  note: the allow-list entry {entry['id']} ({entry['package']}) matched nothing: remove it?"
            for entry in entries
            if id(entry) not in used
        ]

    allowed_count = len(outcome.advisories) - len(failing)
    also = f", {allowed_count} allowed" if allowed_count else ""
    if failing:
        head = (
            f"FAILED: {len(failing)} advisor{'y' if len(failing) == 1 else 'ies'} not in the allow-list{also}"
        )
        return FAILED, [head, *lines]
    if outcome.errors:
        return ERROR, ["ERROR: the audit could not run", *lines]
    if outcome.unreachable:
        found = f"; nothing found in the {outcome.checked} checked" if outcome.checked else ""
        return SKIPPED, [f"skipped: no advisory service{found}{also}", *lines]
    return PASSED, [f"passed: {outcome.checked} dependencies checked, no advisory{also}", *lines]


def parse_report_arg(text: str) -> tuple[str, Path, Path | None]:
    label, sep, files = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text}: expected LABEL=REPORT.json[:STDERR]")
    report, _, stderr = files.partition(":")
    return label, Path(report), Path(stderr) if stderr else None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=[*ECOSYSTEMS, "check-allow"])
    parser.add_argument("--allow", type=Path, default=Path("audit-allow.toml"))
    parser.add_argument("reports", nargs="*")
    args = parser.parse_intermixed_args(argv)
    try:
        if args.mode == "check-allow":
            path = Path(args.reports[0]) if args.reports else args.allow
            every = load_allow_list(path)
            print(f"{path}: " + ", ".join(f"{len(every[e])} {e} entries" for e in ECOSYSTEMS))
            return PASSED
        entries = load_allow_list(args.allow)[args.mode]
    except AllowListError as error:
        print(f"ERROR: the allow-list is invalid: {error}")
        return ERROR
    outcome = Outcome()
    read = npm_report if args.mode == "npm" else pypi_report
    for item in args.reports:
        label, report, stderr = parse_report_arg(item)
        read(label, read_json(report), read_text(stderr), outcome)
    code, lines = verdict(outcome, entries)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
