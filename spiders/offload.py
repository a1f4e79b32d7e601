"""Parsing a whole index document (feed, listing, sitemap, search answer) off the event loop.

The daemon runs every crawl, its scheduler and its web server on one asyncio loop (Scrapy's
asyncio reactor). Parsing a large index on that loop stops all of them for as long as the parse
takes: feedparser needs tens of seconds for a feed of 50,000 entries. The spiders' index callbacks
are async generators that await the parse, run by :func:`off_loop` in a thread of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


async def off_loop(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a new thread; the loop serves everything else while it runs.

    Like ``asyncio.to_thread``, except that the thread is a daemon thread: executor threads are
    joined at interpreter exit, so a daemon told to stop would wait for a parse in progress (tens
    of seconds) before it could exit. A parse abandoned at exit loses nothing: it stores nothing.

    ``fn`` must be pure: it may read its arguments, which nothing else uses meanwhile, and must
    change nothing the loop or another parse can see.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def work() -> None:
        settle: Callable[[], None]
        try:
            result = fn(*args, **kwargs)
        except BaseException as e:  # handed to the awaiting callback, as asyncio.to_thread does
            settle = functools.partial(_fail, done, e)
        else:
            settle = functools.partial(_succeed, done, result)
        # A closed loop (the process is stopping) means nobody waits for the result any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle)

    name = f"dw-parse-{getattr(fn, '__name__', 'index')}"
    threading.Thread(target=work, name=name, daemon=True).start()
    return await done


def _succeed(done: asyncio.Future[T], result: T) -> None:
    if not done.done():  # the awaiting callback was cancelled meanwhile
        done.set_result(result)


def _fail(done: asyncio.Future[T], error: BaseException) -> None:
    if not done.done():
        done.set_exception(error)
