"""Configuration: process settings from the environment and the YAML file of sources and channels."""

from __future__ import annotations

import os
import re
from datetime import time as dtime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from monitor.errors import ConfigError, ConfigProblem

SourceKind = Literal["feed", "sitemap", "listing", "search"]
ChannelTag = Literal["immediate", "digest", "ops"]
DEFAULT_CONFIG = Path(__file__).parent / "default.yaml"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


class Settings(BaseSettings):
    """Process settings; every field can be set as DEPORTWATCH_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="DEPORTWATCH_", extra="ignore")

    config: Path | None = None
    database_url: SecretStr = SecretStr("sqlite:///data/deportwatch.db")
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        if v.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return v.upper()

    @field_validator("database_url")
    @classmethod
    def _database(cls, v: SecretStr) -> SecretStr:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            backend = make_url(v.get_secret_value()).get_backend_name()
        except ArgumentError as e:
            raise ValueError("not a database URL (e.g. sqlite:///data/deportwatch.db)") from e
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql+psycopg://")
        return v

    seed_ledger: bool = True
    """Seed the shipped ledger of known developments, so that old news does not alert."""
    test_mode: bool = False
    """Allows fetching from private and loopback addresses for every source (tests, demo)."""


def load_settings() -> Settings:
    """Settings from the environment; a bad value is a ConfigError naming the variable."""
    try:
        return Settings()
    except ValidationError as e:
        problems = []
        for err in e.errors():
            var = "DEPORTWATCH_" + "_".join(str(p) for p in err["loc"]).upper()
            problems.append(ConfigProblem("environment", None, var, err["msg"].removeprefix("Value error, ")))
        raise ConfigError(problems) from e


def parse_duration(value: object) -> float:
    """Seconds from 90, "90s", "10m", "1h" or "1d"."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like 600, '10m' or '1h'")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"expected a duration like 600, '10m' or '1h', got {value!r}")
        seconds = float(m.group(1)) * _UNIT_S[m.group(2)]
    if seconds <= 0:
        raise ValueError("duration must be positive")
    return seconds


class SourceConfig(BaseModel):
    """One place to watch; `kind` picks the spider."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    kind: SourceKind
    url: str
    interval_s: float = Field(default=3600.0, alias="interval")
    cron: str | None = None
    """A crontab line (minute hour day month weekday, in UTC) used instead of `interval`."""
    language: str = "en"
    tags: tuple[str, ...] = ()
    official: bool = False
    allow_private: bool = False
    max_entries: int = Field(default=50, ge=1, le=1000)
    enabled: bool = True
    selectors: dict[str, str] = Field(default_factory=dict)
    """listing: CSS selectors (links, and optionally title, date, next)."""
    query: str | None = None
    """search: the query, built into the provider's URL."""
    provider: Literal["google_news", "gdelt"] | None = None
    """search: the provider, when it cannot be told from the URL's host."""
    max_age_days: float | None = Field(default=None, gt=0)
    """sitemap: ignore entries older than this (default 3 days)."""
    max_sitemaps: int | None = Field(default=None, ge=1, le=100)
    """sitemap: how many child sitemaps of an index to read (newest first)."""

    @model_validator(mode="after")
    def _kind_options(self) -> SourceConfig:
        problems: list[str] = []
        if self.selectors and self.kind != "listing":
            problems.append("'selectors' only applies to kind 'listing'")
        if (self.query or self.provider) and self.kind != "search":
            problems.append("'query' and 'provider' only apply to kind 'search'")
        if (self.max_age_days or self.max_sitemaps) and self.kind != "sitemap":
            problems.append("'max_age_days' and 'max_sitemaps' only apply to kind 'sitemap'")
        if self.kind == "listing":
            from spiders.listing import validate_selectors

            problems += validate_selectors(self.selectors)
        elif self.kind == "search":
            from spiders.search import validate_search

            problems += validate_search(self.url, self.query, self.provider)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @field_validator("interval_s", mode="before")
    @classmethod
    def _interval(cls, v: object) -> float:
        return parse_duration(v)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError("must be an http:// or https:// URL")
        return v

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is None:
            return None
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(v, timezone="UTC")
        except ValueError as e:
            raise ValueError(f"invalid cron line {v!r}: {e}") from e
        return v

    @model_validator(mode="after")
    def _one_schedule(self) -> SourceConfig:
        if self.cron is not None and "interval_s" in self.model_fields_set:
            raise ValueError("give either interval or cron, not both")
        return self


class ChannelConfig(BaseModel):
    """Whom to tell: an Apprise URL (secrets via ${ENV_VAR}) and the tags it carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    url: SecretStr
    tags: tuple[ChannelTag, ...] = ("immediate", "digest", "ops")


class DigestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    time: dtime = dtime(8, 0)
    timezone: str = "America/New_York"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {v!r} (use an IANA name like 'Europe/Brussels')") from e
        return v


class AlertsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dispatch_interval_s: float = Field(default=5.0, alias="dispatch_interval")
    max_attempts: int = Field(default=8, ge=1, le=100)
    backoff_base_s: float = Field(default=30.0, gt=0)
    backoff_max_s: float = Field(default=3600.0, gt=0)
    send_timeout_s: float = Field(default=30.0, gt=0)
    hourly_cap: int = Field(default=20, ge=1)
    lease_s: float | None = Field(default=None, alias="lease")
    """How long a claimed alert may stay in flight before another dispatcher sends it again."""
    ops_failures: int | None = Field(default=None, ge=1)
    """Consecutive failures after which a source is reported to the ops channels (default 3)."""
    ops_silent_factor: float | None = Field(default=None, gt=0)
    """A source with no successful fetch for this many intervals is reported silent (default 3)."""
    health_interval_s: float | None = Field(default=None, alias="health_interval")
    dashboard_url: str | None = None

    @field_validator("lease_s", "health_interval_s", mode="before")
    @classmethod
    def _optional_duration(cls, v: object) -> float | None:
        return None if v is None else parse_duration(v)

    @field_validator("dispatch_interval_s", mode="before")
    @classmethod
    def _interval(cls, v: object) -> float:
        return parse_duration(v)


class CrawlConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    user_agent: str = "deportwatch/0.1 (+https://github.com/deportwatch/deportwatch)"
    download_timeout_s: float = Field(default=20.0, gt=0)
    max_page_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    concurrent_requests: int = Field(default=16, ge=1)
    # The most entries read from one index page (feed, listing page, sitemap, search answer).
    max_index_entries: int = Field(default=2000, ge=1)


class ScrapydConfig(BaseModel):
    """Scrapyd nodes that run the crawls instead of the daemon's own process (see monitor/scrapyd.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nodes: tuple[str, ...] = Field(min_length=1)
    project: str = "deportwatch"
    timeout_s: float = Field(default=10.0, gt=0)

    @field_validator("nodes")
    @classmethod
    def _nodes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for url in v:
            if not re.match(r"^https?://[^\s/]+/?$", url):
                raise ValueError(f"{url!r} must be a node's base URL, like http://scrapyd-1:6800")
        return tuple(url.rstrip("/") for url in v)


_PASSWORD_HASH = re.compile(r"^(scrypt\$\d+\$\d+\$\d+|pbkdf2_sha256\$\d+)\$[A-Za-z0-9+/=_-]+\$[A-Za-z0-9+/=_-]+$")


class DashboardUser(BaseModel):
    """A dashboard login: a name and a password hash (`python -m monitor.dashboard.passwd` makes one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    password_hash: SecretStr

    @field_validator("password_hash")
    @classmethod
    def _hash(cls, v: SecretStr) -> SecretStr:
        if not _PASSWORD_HASH.match(v.get_secret_value()):
            raise ValueError("expected 'scrypt$N$r$p$salt$hash' or 'pbkdf2_sha256$iterations$salt$hash'")
        return v


class DashboardConfig(BaseModel):
    """Who may open the dashboard: an access token and/or named users; nobody when neither is set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: SecretStr | None = None
    users: tuple[DashboardUser, ...] = ()
    session_secret: SecretStr | None = None
    """Signs login cookies; set it when several replicas serve the dashboard or logins must survive restarts."""
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    secure_cookies: bool = False
    """Mark cookies Secure: set it when the dashboard is reached over HTTPS."""

    @field_validator("token", "session_secret", mode="after")
    @classmethod
    def _strong(cls, v: SecretStr | None) -> SecretStr | None:
        # ``${VAR:-}`` with VAR unset leaves an empty string: treat it as not configured.
        if v is None or not v.get_secret_value().strip():
            return None
        if len(v.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters long")
        return v


class AppConfig(BaseModel):
    """The whole YAML file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: tuple[SourceConfig, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()
    digest: DigestConfig = DigestConfig()
    alerts: AlertsConfig = AlertsConfig()
    crawl: CrawlConfig = CrawlConfig()
    scrapyd: ScrapydConfig | None = None
    dashboard: DashboardConfig = DashboardConfig()

    @field_validator("channels", mode="after")
    @classmethod
    def _drop_unset(cls, v: tuple[ChannelConfig, ...]) -> tuple[ChannelConfig, ...]:
        # A channel whose URL came out empty (``${VAR:-}`` with VAR unset) is switched off.
        return tuple(c for c in v if c.url.get_secret_value().strip())

    @model_validator(mode="after")
    def _unique_ids(self) -> AppConfig:
        for attr in ("sources", "channels"):
            seen: set[str] = set()
            for item in getattr(self, attr):
                key = item.id if attr == "sources" else item.name
                if key in seen:
                    raise ValueError(f"duplicate {attr[:-1]} {key!r}")
                seen.add(key)
        return self

    def source(self, source_id: str) -> SourceConfig:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)

    def secrets(self) -> list[str]:
        """Every secret string in the config, for log redaction."""
        secrets = [c.url.get_secret_value() for c in self.channels]
        for value in (self.dashboard.token, self.dashboard.session_secret):
            if value is not None:
                secrets.append(value.get_secret_value())
        return secrets


def _substitute_env(node: Any, path: tuple[Any, ...], missing: list[tuple[tuple[Any, ...], str]]) -> Any:
    if isinstance(node, dict):
        return {k: _substitute_env(v, (*path, k), missing) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute_env(v, (*path, i), missing) for i, v in enumerate(node)]
    if isinstance(node, str) and "${" in node:
        def repl(m: re.Match[str]) -> str:
            value = os.environ.get(m.group(1), m.group(2))
            if value is None:
                missing.append((path, m.group(1)))
                return ""
            return value

        return _ENV_REF.sub(repl, node)
    return node


def _duplicate_keys(node: yaml.Node, path: tuple[Any, ...]) -> list[tuple[int, str]]:
    """(line, where) of every key repeated within one mapping; YAML would silently keep the last."""
    found: list[tuple[int, str]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                found.append((key_node.start_mark.line + 1, ".".join(str(p) for p in (*path, key))))
            seen.add(key)
            found += _duplicate_keys(value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, (*path, i))
    return found


def _line_index(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    """Map every path in the YAML tree to its 1-based line, keys and items alike."""
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key)] = key_node.start_mark.line + 1
            _line_index(value_node, (*path, key), out)
            out[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, (*path, i), out)


def _line_for(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _describe(loc: tuple[Any, ...], raw: Any) -> str:
    parts: list[str] = []
    node = raw
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
            ident = node.get("id") or node.get("name") if isinstance(node, dict) else None
            parts.append(f"[{part}]" + (f" ({ident})" if ident else ""))
        else:
            node = node.get(part) if isinstance(node, dict) else None
            parts.append(("." if parts else "") + str(part))
    return "".join(parts)


def load_config(path: Path) -> AppConfig:
    """Read and validate the YAML file; raise ConfigError listing every problem with its line."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError([ConfigProblem(name, None, "", f"cannot read file: {e.strerror or e}")]) from e
    except UnicodeDecodeError as e:
        bad_line = path.read_bytes()[: e.start].count(b"\n") + 1
        raise ConfigError([ConfigProblem(name, bad_line, "", "cannot read file: it is not UTF-8 text")]) from e
    try:
        root = yaml.compose(text)
        duplicates = _duplicate_keys(root, ()) if root is not None else []
        raw = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        msg = f"invalid YAML: {e.problem or e}"
        if e.context and e.context_mark and e.context_mark is not mark:
            msg += f" ({e.context} at line {e.context_mark.line + 1})"
        raise ConfigError([ConfigProblem(name, line, "", msg)]) from e
    except yaml.YAMLError as e:
        raise ConfigError([ConfigProblem(name, None, "", f"invalid YAML: {e}")]) from e
    if duplicates:
        message = "duplicate key: it already appears above in the same mapping"
        raise ConfigError([ConfigProblem(name, line, where, message) for line, where in duplicates])
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError([ConfigProblem(name, 1, "", "the top level must be a mapping (sources:, channels:, ...)")])
    lines: dict[tuple[Any, ...], int] = {}
    if root is not None:
        _line_index(root, (), lines)
    missing: list[tuple[tuple[Any, ...], str]] = []
    data = _substitute_env(raw, (), missing)
    problems = [
        ConfigProblem(name, _line_for(p, lines), _describe(p, raw), f"environment variable {var} is not set")
        for p, var in missing
    ]
    try:
        config = AppConfig.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown setting {loc[-1]!r}"
            elif err["type"] == "literal_error" and err.get("ctx"):
                msg = f"{err['input']!r} is not one of {err['ctx'].get('expected')}"
            problems.append(ConfigProblem(name, _line_for(loc, lines), _describe(loc, raw), msg))
        problems.sort(key=lambda p: (p.line or 0))
        raise ConfigError(problems) from e
    if problems:
        raise ConfigError(problems)
    return config


def config_path(settings: Settings, override: Path | None = None) -> Path:
    """The YAML file to use: --config, then DEPORTWATCH_CONFIG, then ./deportwatch.yaml, then the shipped default."""
    if override is not None:
        return override
    if settings.config is not None:
        return settings.config
    local = Path("deportwatch.yaml")
    return local if local.exists() else DEFAULT_CONFIG


def redacted(config: AppConfig) -> dict[str, Any]:
    """The config as plain data with every channel URL reduced to its scheme."""
    data = config.model_dump(mode="json", by_alias=True)
    for ch in data.get("channels", []):
        url = ch.get("url") or ""
        scheme = url.split("://", 1)[0] if "://" in url else "?"
        ch["url"] = f"{scheme}://***"
    return data
