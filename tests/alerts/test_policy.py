"""Where the alert tunables come from: the YAML `alerts:` section when it has them, else the environment."""

from __future__ import annotations

import pytest

from alerts.outbox import lease_for
from alerts.policy import AlertPolicy, policy_for
from monitor.config import AlertsConfig


def test_defaults() -> None:
    assert policy_for(AlertsConfig()) == AlertPolicy(lease_s=300, ops_failures=3, ops_silent_factor=3,
                                                     health_interval_s=300)


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPORTWATCH_ALERTS_LEASE", "30s")
    monkeypatch.setenv("DEPORTWATCH_ALERTS_OPS_FAILURES", "5")
    monkeypatch.setenv("DEPORTWATCH_ALERTS_OPS_SILENT_FACTOR", "2.5")
    monkeypatch.setenv("DEPORTWATCH_ALERTS_HEALTH_INTERVAL", "2m")
    assert policy_for(AlertsConfig()) == AlertPolicy(lease_s=30, ops_failures=5, ops_silent_factor=2.5,
                                                     health_interval_s=120)


def test_a_yaml_field_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    class WithLease(AlertsConfig):
        lease_s: float | None = None

    monkeypatch.setenv("DEPORTWATCH_ALERTS_LEASE", "30s")
    assert policy_for(WithLease(lease_s=45)).lease_s == 45
    assert policy_for(WithLease()).lease_s == 30


def test_the_lease_outlasts_a_send() -> None:
    assert lease_for(AlertsConfig(send_timeout_s=30), AlertPolicy(lease_s=10)).total_seconds() == 35
    assert lease_for(AlertsConfig(send_timeout_s=30), AlertPolicy(lease_s=300)).total_seconds() == 300
