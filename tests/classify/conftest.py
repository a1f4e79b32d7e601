"""Fixtures for classifier tests: the case table and a classifier trained on the corpus train split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.classify import Classifier

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE / "cases.yaml"
# The must-flag seed article is third-party text, so it is not in the repository: it sits in the
# shared domain folder beside the clone (here and in CI).
SEED_FILE = HERE.parents[1].parent / "shared" / "domain" / "seed-article.txt"
SEED_MISSING = f"the seed article is not in the repository; expected beside the clone at {SEED_FILE}"


def seed_text() -> str | None:
    """The seed article's text, or None when the shared folder is not beside the clone."""
    return SEED_FILE.read_text(encoding="utf-8") if SEED_FILE.is_file() else None


def load_cases() -> list[dict[str, Any]]:
    """The case table; seed cases carry a "skip" reason when the seed article is absent."""
    cases: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    seed = seed_text()
    for case in cases:
        if case.pop("seed_file", False):
            if seed is None:
                case["skip"] = SEED_MISSING
            case["text"] = seed or ""
        case.setdefault("text", "")
    return cases


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.load()
