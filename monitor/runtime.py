"""Wiring: settings + config + database + classifier, built once per process."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from db import store
from db.session import make_engine, make_sessionmaker, transaction, upgrade
from monitor.config import AppConfig, Settings, config_path, load_config
from monitor.developments import ChannelRoute
from monitor.pipeline import ClassifierLike, PipelineContext

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    config: AppConfig
    config_file: Path
    engine: Engine
    factory: sessionmaker[Session]
    _classifier: ClassifierLike | None = field(default=None, repr=False)

    @property
    def database_url(self) -> str:
        return self.settings.database_url.get_secret_value()

    @property
    def classifier(self) -> ClassifierLike:
        if self._classifier is None:
            from monitor.training import load_classifier

            self._classifier = load_classifier(self.settings.data_dir)
        return self._classifier

    def routes(self) -> tuple[ChannelRoute, ...]:
        return tuple(ChannelRoute(c.name, frozenset(c.tags)) for c in self.config.channels)

    def secrets(self) -> list[str]:
        from alerts.send import url_secrets

        secrets = self.config.secrets()
        for url in list(secrets):
            secrets.extend(url_secrets(url))
        url = self.database_url
        if "@" in url and ":" in url.split("@", 1)[0].split("://", 1)[-1]:
            secrets.append(url.split("://", 1)[-1].split("@", 1)[0].split(":", 1)[1])
        return [s for s in secrets if s]

    def pipeline_context(self) -> PipelineContext:
        return PipelineContext(
            factory=self.factory,
            classifier=self.classifier,
            sources={s.id: s for s in self.config.sources},
            channels=self.routes(),
        )

    def sync_sources(self) -> None:
        with transaction(self.factory) as s:
            store.sync_sources(s, [(src.id, src.kind, src.url) for src in self.config.sources])

    def close(self) -> None:
        self.engine.dispose()


def open_runtime(
    settings: Settings | None = None, config_file: Path | None = None, *, migrate: bool = True
) -> Runtime:
    """Load config (raising ConfigError), migrate the database, and register the configured sources."""
    settings = settings or Settings()
    path = config_path(settings, config_file)
    config = load_config(path)
    url = settings.database_url.get_secret_value()
    if migrate:
        upgrade(url)
    engine = make_engine(url)
    rt = Runtime(settings, config, path, engine, make_sessionmaker(engine))
    rt.sync_sources()
    if migrate and settings.seed_ledger:
        from monitor.ledger import load_ledger, seed_ledger

        with transaction(rt.factory) as s:
            seed_ledger(s, load_ledger())
    return rt


def context_from_environment() -> PipelineContext:
    """A pipeline context for a crawl started outside the daemon (e.g. on a Scrapyd node)."""
    return open_runtime(migrate=False).pipeline_context()
