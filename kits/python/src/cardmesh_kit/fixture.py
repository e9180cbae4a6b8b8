"""Services whose data comes from a JSON fixture: their own file, or ``CARDMESH_FIXTURES``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

#: Environment variable naming a fixture file to use instead of the service's own.
FIXTURES_ENV = "CARDMESH_FIXTURES"


def fixture_from_env(default: Path) -> Any:
    """The JSON of the file named by ``CARDMESH_FIXTURES``, or of ``default`` when the
    variable is unset or empty. Errors name the variable and the file."""
    named = os.environ.get(FIXTURES_ENV, "").strip()
    path = Path(named) if named else default
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        where = f"{FIXTURES_ENV}={named}" if named else str(path)
        raise ValueError(f"cannot read the fixture {where}: {error}") from error
