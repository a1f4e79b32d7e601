"""Driving the spiders' index callbacks, async generators that parse in a thread, from plain tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar

T = TypeVar("T")


def collect(callback_output: AsyncIterator[T]) -> list[T]:
    """Everything a callback yields, run to its end on an event loop of its own (as Scrapy would drive it)."""

    async def run() -> list[T]:
        return [out async for out in callback_output]

    return asyncio.run(run())
