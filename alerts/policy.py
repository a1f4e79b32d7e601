"""Alert tunables not covered by the YAML `alerts:` section (lease, ops thresholds), and channels from config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from alerts.send import Channel
from monitor.config import AlertsConfig, AppConfig, parse_duration

IMMEDIATE_KINDS = ("new", "update")


class AlertEnv(BaseSettings):
    """The same tunables from the environment: DEPORTWATCH_ALERTS_LEASE=30s, DEPORTWATCH_ALERTS_OPS_FAILURES=5, ..."""

    model_config = SettingsConfigDict(env_prefix="DEPORTWATCH_ALERTS_", extra="ignore")

    lease_s: float = Field(default=300.0, alias="DEPORTWATCH_ALERTS_LEASE")
    ops_failures: int = Field(default=3, ge=1)
    ops_silent_factor: float = Field(default=3.0, gt=0)
    health_interval_s: float = Field(default=300.0, alias="DEPORTWATCH_ALERTS_HEALTH_INTERVAL")

    @field_validator("lease_s", "health_interval_s", mode="before")
    @classmethod
    def _duration(cls, v: object) -> float:
        return parse_duration(v)


@dataclass(frozen=True)
class AlertPolicy:
    lease_s: float = 300.0
    """A row left 'sending' this long was claimed by a process that died: it is sent again."""
    ops_failures: int = 3
    """A source failing this many times in a row gets an ops alert."""
    ops_silent_factor: float = 3.0
    """A source without a successful fetch for this many of its intervals gets an ops alert."""
    health_interval_s: float = 300.0
    """How often the source-health job looks."""


def policy_for(cfg: AlertsConfig) -> AlertPolicy:
    """The policy for `cfg`: a field of the YAML `alerts:` section wins, then the environment, then the default."""
    env = AlertEnv()

    def pick(name: str) -> Any:
        value = getattr(cfg, name, None)
        return getattr(env, name) if value is None else value

    return AlertPolicy(
        lease_s=float(pick("lease_s")),
        ops_failures=int(pick("ops_failures")),
        ops_silent_factor=float(pick("ops_silent_factor")),
        health_interval_s=float(pick("health_interval_s")),
    )


def channels_from(config: AppConfig) -> dict[str, Channel]:
    """The configured channels by name, with their Apprise URLs and routing tags."""
    return {c.name: Channel(c.name, c.url.get_secret_value(), frozenset(c.tags)) for c in config.channels}


def tagged(channels: dict[str, Channel], tag: str) -> list[Channel]:
    return [c for c in channels.values() if tag in c.tags]
