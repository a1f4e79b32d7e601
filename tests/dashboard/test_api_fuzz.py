"""The JSON API fuzzed from its own OpenAPI schema against the running dashboard: no server errors, no drift."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.e2e
schemathesis = pytest.importorskip("schemathesis", reason="the API fuzz test needs schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402

from monitor.dashboard.openapi import schema as openapi_schema  # noqa: E402
from tests.dashboard.conftest import Client  # noqa: E402
from tests.dashboard.seed import TOKEN  # noqa: E402

BEARER = {"Authorization": f"Bearer {TOKEN}"}
# The token goes in through the schema's own security scheme, so schemathesis knows when a case leaves it out
# on purpose (and then expects 401).
CONFIG = schemathesis.Config.from_dict({"auth": {"openapi": {"bearer": {"bearer": TOKEN}}}})
# Loaded from the module so tests can be collected without a server; the served copy is checked to be the same.
schema = schemathesis.openapi.from_dict(openapi_schema(), config=CONFIG)


def test_the_served_schema_is_the_one_fuzzed(anon: Client) -> None:
    assert anon.get("/api/openapi.json", headers=BEARER).json() == openapi_schema()


@pytest.fixture
def statuses() -> Iterator[list[int]]:
    """Every status one operation's fuzz run got (the fixture lives across all of its examples)."""
    seen: list[int] = []
    yield seen
    # A run where every request was refused for want of the token would have tested nothing.
    assert any(s not in (401, 405) for s in seen), f"no fuzzed request was authenticated: {sorted(set(seen))}"


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: object, base_url: str, statuses: list[int]) -> None:
    response = case.call_and_validate(base_url=base_url)  # type: ignore[attr-defined]
    statuses.append(response.status_code)
