"""Shared test setup: the repository's paths."""

from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
REPO = KIT.parent.parent
