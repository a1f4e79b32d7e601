"""Writes pre-rendered messages (digest, ops, test) to the outbox, one deduplicated row per channel."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from alerts.render import Rendered
from alerts.send import Channel
from db import store

KEY_MAX = 200  # the width of alerts.dedup_key


def dedup_key(*parts: object) -> str:
    """Join parts with ':'; a key too long for the column keeps its head and ends in a hash of the whole."""
    key = ":".join(str(p) for p in parts)
    if len(key) <= KEY_MAX:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"{key[: KEY_MAX - 25]}~{digest}"


def rendered_payload(msg: Rendered, **extra: Any) -> dict[str, Any]:
    return {"title": msg.title, "text": msg.text, "html": msg.html, "slack": msg.slack, **extra}


def enqueue_rendered(
    session: Session,
    channels: Iterable[Channel],
    *,
    kind: str,
    key: str,
    msg: Rendered,
    **extra: Any,
) -> list[int]:
    """One row per channel keyed `key:channel`; returns the ids of rows that were new (not already queued)."""
    ids = []
    for ch in channels:
        row = store.enqueue(session, dedup_key=dedup_key(key, ch.name), channel=ch.name, kind=kind,
                            payload=rendered_payload(msg, **extra))
        if row is not None:
            ids.append(row)
    return ids
