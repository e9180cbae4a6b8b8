"""The builders' types: a type checker (mypy, pinned) sees bad nesting before anything runs."""

import subprocess
import sys
from pathlib import Path

CARD = """\
from cardmesh_kit import Card
from cardmesh_kit.build import BadgeColor, badge, container, divider, row, text
ok = Card([container([row([text("a")], [badge("b", color=BadgeColor.GREEN)]), divider()])])
row_in_row = row([row([text("a")], [text("b")])], [text("c")])
container_in_container = container([container([text("a")])])
container_in_row = row([text("a")], [container([text("b")])])
"""


def test_mypy_refuses_bad_nesting_and_accepts_a_good_card(tmp_path):
    source = tmp_path / "card.py"
    source.write_text(CARD)
    mypy = Path(sys.executable).with_name("mypy")
    run = subprocess.run([str(mypy), "--no-error-summary", "--ignore-missing-imports", str(source)],
                         capture_output=True, text=True, cwd=tmp_path)
    lines = sorted(int(line.split(":")[1]) for line in run.stdout.splitlines() if ": error:" in line)
    assert lines == [4, 5, 6], run.stdout
    assert 'incompatible type "Row"; expected "Leaf"' in run.stdout
    assert 'incompatible type "Container"; expected "Leaf | Row"' in run.stdout
