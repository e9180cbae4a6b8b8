"""The validator against the shared fixtures, and the copies the kit ships."""

import json
import subprocess
import sys

import pytest

from cardmesh_kit.rules import catalogue, validate_components
from conftest import KIT, REPO

SYNC = KIT / "tools" / "sync.py"


FIXTURES = sorted((REPO / "rules" / "fixtures").glob("*/*.json"))


def test_there_are_valid_and_invalid_fixtures():
    kinds = {path.parent.name for path in FIXTURES}
    assert kinds == {"valid", "invalid"}, FIXTURES


def _pairs(issues):
    return sorted((issue.path, issue.rule) for issue in issues)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture(path):
    fixture = json.loads(path.read_text("utf-8"))
    report = validate_components(fixture["components"])
    expected = sorted((v["path"], v["rule"]) for v in fixture.get("violations", []))
    assert _pairs(report.violations) == expected, fixture["name"]
    warned = sorted((w["path"], w["rule"]) for w in fixture.get("warnings", []))
    assert _pairs(report.warnings) == warned, fixture["name"]
    if path.parent.name == "valid":
        assert report.ok, fixture["name"]
    else:
        assert not report.ok, fixture["name"]


def test_shipped_copies_are_current():
    """The catalogue copy equals rules/catalogue.json and the stubs equal what grpcio-tools
    generates from proto/ now (fix: python kits/python/tools/sync.py)."""
    run = subprocess.run([sys.executable, str(SYNC), "--check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_the_installed_package_reads_the_shipped_catalogue():
    source = json.loads((REPO / "rules" / "catalogue.json").read_text("utf-8"))
    assert catalogue().raw == source
    assert set(catalogue().allowed("rowContent")) < set(catalogue().allowed("containerContent"))
