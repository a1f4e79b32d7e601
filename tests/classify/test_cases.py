"""The case table (cases.yaml): every input gets the expected relevance, country, stage and count."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.classify import Classifier, classify
from monitor.types import Classification, CountKind, Stage
from tests.classify.conftest import load_cases

CASES = load_cases()


def _check(result: Classification, expect: dict[str, Any]) -> list[str]:
    problems = []
    if "relevant" in expect and result.relevant != expect["relevant"]:
        problems.append(f"relevant {result.relevant}, expected {expect['relevant']}")
    if "country" in expect and result.receiving_country != expect["country"]:
        problems.append(f"country {result.receiving_country!r}, expected {expect['country']!r}")
    if "stage" in expect:
        wanted = Stage(expect["stage"]) if expect["stage"] else None
        if result.stage != wanted:
            problems.append(f"stage {result.stage}, expected {wanted}")
    if "count" in expect and result.deportee_count != expect["count"]:
        problems.append(f"count {result.deportee_count}, expected {expect['count']}")
    if "count_kind" in expect and result.count_kind != CountKind(expect["count_kind"]):
        problems.append(f"count kind {result.count_kind}, expected {expect['count_kind']}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(classifier: Classifier, case: dict[str, Any]) -> None:
    if "skip" in case:
        pytest.skip(case["skip"])
    result = classifier.classify(case["title"], case["text"], language=case.get("language"))
    problems = _check(result, case["expect"])
    assert not problems, f"{case['id']}: {'; '.join(problems)}\nreasons: {result.reasons}"


def test_every_decision_has_reasons(classifier: Classifier) -> None:
    for case in CASES:
        if "skip" in case:
            continue
        result = classifier.classify(case["title"], case["text"])
        assert result.reasons, case["id"]
        assert all(isinstance(r, str) and 0 < len(r) < 300 for r in result.reasons)


def test_relevant_reasons_name_country_stage_and_number(classifier: Classifier) -> None:
    seed = next(c for c in CASES if c["id"] == "seed-article")
    if "skip" in seed:
        pytest.skip(seed["skip"])
    reasons = " | ".join(classifier.classify(seed["title"], seed["text"]).reasons)
    assert "receiving country: Kosovo" in reasons
    assert "stage agreement" in reasons
    assert "count 50 (cap)" in reasons
    assert "third-country phrase" in reasons


def test_module_level_classify_uses_one_default_instance() -> None:
    first = classify("Ghana receives 14 West African deportees from the US", "")
    second = classify("Ghana receives 14 West African deportees from the US", "")
    assert first == second
    assert first.relevant and first.receiving_country == "Ghana"


def test_language_is_guessed_when_not_given(classifier: Classifier) -> None:
    result = classifier.classify("Costa Rica recibirá a 200 migrantes deportados por EE. UU.",
                                 "El gobierno aceptó recibir a los migrantes de otras nacionalidades.")
    assert result.language == "es"
    assert classifier.classify("x", "y", language="fr").language == "fr"
