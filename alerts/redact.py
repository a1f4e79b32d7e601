"""Keeps secrets out of log output: a redacting LogRecord factory plus a filter on the root handlers."""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

MASK = "***"

_lock = threading.Lock()
_secrets: frozenset[str] = frozenset()
_saved_factory: Callable[..., logging.LogRecord] | None = None


def _char_pattern(ch: str) -> str:
    encoded = "".join(f"%{b:02x}" for b in ch.encode("utf-8"))
    forms = [re.escape(ch), "(?i:" + re.escape(encoded) + ")"]
    if ch == " ":
        forms.append(r"\+")
    return "(?:" + "|".join(forms) + ")"


@functools.lru_cache(maxsize=64)
def _pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    """One regex for all secrets, where each character may also appear percent-encoded (any mix)."""
    if not secrets:
        return None
    # Longest first, so a secret that contains another is masked whole.
    ordered = sorted(secrets, key=len, reverse=True)
    return re.compile("|".join("".join(_char_pattern(c) for c in s) for s in ordered))


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret (also URL-encoded, wholly or in part) with `***`."""
    pattern = _pattern(frozenset(s for s in secrets if s))
    return pattern.sub(MASK, text) if pattern is not None else text


def _scrub(record: logging.LogRecord, secrets: frozenset[str]) -> None:
    if not secrets or getattr(record, "_deportwatch_redacted", False):
        return
    setattr(record, "_deportwatch_redacted", True)  # noqa: B010
    try:
        message = record.getMessage()
    except Exception:
        # A malformed format string still must not leak its arguments.
        message = f"{record.msg} {record.args}"
    cleaned = redact(message, secrets)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        text = logging.Formatter().formatException(record.exc_info)
        cleaned = redact(text, secrets)
        if cleaned != text:
            # Formatters reuse exc_text instead of formatting the exception again.
            record.exc_text = cleaned
    elif record.exc_text:
        record.exc_text = redact(record.exc_text, secrets)
    if record.stack_info:
        record.stack_info = redact(record.stack_info, secrets)


class RedactingFilter(logging.Filter):
    """A handler filter that masks the registered secrets in each record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        _scrub(record, _secrets)
        return True


_FILTER = RedactingFilter()


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    assert _saved_factory is not None
    record = _saved_factory(*args, **kwargs)
    _scrub(record, _secrets)
    return record


def install_redaction(secrets: Iterable[str]) -> None:
    """Mask `secrets` in every log record from now on; repeated calls add to the set.

    Records are cleaned when they are created (a LogRecord factory), so handlers
    added later, Apprise's own result logs and third-party loggers are covered;
    the root logger's current handlers also get a filter for records built elsewhere.
    """
    global _secrets, _saved_factory
    with _lock:
        _secrets = _secrets | {s for s in secrets if s}
        if _saved_factory is None:
            _saved_factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(_redacting_factory)
        for handler in logging.getLogger().handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)


def installed_secrets() -> frozenset[str]:
    return _secrets


def clear_redaction() -> None:
    """Forget all secrets and restore the previous LogRecord factory (used by tests)."""
    global _secrets, _saved_factory
    with _lock:
        _secrets = frozenset()
        if _saved_factory is not None:
            logging.setLogRecordFactory(_saved_factory)
            _saved_factory = None
        for handler in logging.getLogger().handlers:
            handler.removeFilter(_FILTER)
