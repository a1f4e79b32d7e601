"""Logging: human-readable or JSON lines, with the source id and URL of the page a line is about."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from alerts.redact import install_redaction

_QUIET = ("scrapy", "twisted", "apscheduler.executors", "apscheduler.scheduler", "trafilatura", "htmldate",
          "urllib3", "asyncio", "filelock", "apprise", "aiosmtpd", "mail.log", "courlan", "charset_normalizer",
          "uvicorn")


class PageContextFilter(logging.Filter):
    """Give Scrapy's own lines about a request (retries, errors, dropped items) the source id and URL.

    Scrapy passes the spider as ``extra={"spider": ...}`` and the request or response among the
    format arguments; our spiders carry their source id.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        spider = getattr(record, "spider", None)
        if getattr(record, "source_id", None) is None and spider is not None:
            source_id = getattr(spider, "source_id", None)
            if source_id is not None:
                record.source_id = source_id
        if getattr(record, "url", None) is None and isinstance(record.args, Mapping):
            for key in ("request", "response"):
                url = getattr(record.args.get(key), "url", None)
                if isinstance(url, str):
                    record.url = url
                    break
        return True


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        src, url = getattr(record, "source_id", None), getattr(record, "url", None)
        if src or url:
            line += f" [source={src or '-'} url={url or '-'}]"
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("source_id", "url", "development_id", "alert_id"):
            value = getattr(record, key, None)
            if value is not None:
                data[key] = value
        if record.exc_info:
            data["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(PageContextFilter())
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level.upper())
    if level.upper() != "DEBUG":
        for name in _QUIET:
            logging.getLogger(name).setLevel(logging.WARNING)
    install_redaction(secrets)
