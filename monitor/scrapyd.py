"""Dispatching source crawls to Scrapyd nodes through their HTTP API (schedule.json, daemonstatus.json)."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from db import store
from db.session import transaction
from monitor.config import ScrapydConfig, SourceConfig
from monitor.crawl import CrawlOutcome, guarded, scrapy_settings, spider_kwargs
from monitor.errors import DeportwatchError
from monitor.runtime import Runtime

log = logging.getLogger(__name__)

JobState = Literal["pending", "running", "finished", "unknown"]
# Job ids are "<source id>~<random>": "~" never occurs in a source id, so any job id names its source.
JOB_SEPARATOR = "~"
# Scrapyd hands every spider argument to `scrapy crawl` as one argv string, and Linux refuses a
# single argument over 128 KiB; keep the longest one (seen_urls) well below that.
ARG_BUDGET = 100_000
# The crawl settings that travel with a job; the node's own spiders.settings supplies the rest.
NODE_SETTINGS = (
    "USER_AGENT", "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE", "CONCURRENT_REQUESTS", "DEPORTWATCH_INDEX_MAX_ENTRIES",
    "ITEM_PIPELINES", "REMOTE_CONTROL_ENABLED", "TELNETCONSOLE_ENABLED",
)


class ScrapydError(DeportwatchError):
    """No node accepted the job, or a node answered with an error."""


@dataclass(frozen=True)
class Job:
    """One crawl handed to a node."""

    node: str
    job_id: str
    source_id: str


@dataclass(frozen=True)
class NodeStatus:
    node: str
    pending: int
    running: int

    @property
    def load(self) -> int:
        return self.pending + self.running


def call_node(node: str, endpoint: str, *, params: Mapping[str, str] | None = None,
              form: Iterable[tuple[str, str]] | None = None, timeout: float = 10.0) -> dict[str, Any]:
    """One Scrapyd API call (GET with params, or POST with a form); the decoded JSON answer."""
    url = f"{node}/{endpoint}" + (f"?{urlencode(params)}" if params else "")
    data = urlencode(list(form)).encode() if form is not None else None
    try:
        with urlopen(Request(url, data=data), timeout=timeout) as resp:
            answer = json.loads(resp.read())
    except (URLError, OSError, ValueError) as e:
        raise ScrapydError(f"{node}/{endpoint}: {e}") from e
    if not isinstance(answer, dict) or answer.get("status") != "ok":
        message = answer.get("message") if isinstance(answer, dict) else answer
        raise ScrapydError(f"{node}/{endpoint}: {message}")
    return answer


def spider_arguments(kwargs: Mapping[str, Any]) -> dict[str, str]:
    """Spider keyword arguments as the strings `scrapy crawl -a` passes (None dropped, collections as JSON)."""
    out: dict[str, str] = {}
    for key, value in kwargs.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, set | frozenset):
            out[key] = json.dumps(sorted(value))
        elif isinstance(value, list | tuple | dict):
            out[key] = json.dumps(value)
        else:
            out[key] = str(value)
    return out


def node_settings(rt: Runtime) -> dict[str, str]:
    """The Scrapy settings a node's crawl gets from this deployment's config, as `setting=NAME=VALUE` strings."""
    settings = scrapy_settings(rt, "")
    out: dict[str, str] = {}
    for name in NODE_SETTINGS:
        value = settings.get(name)
        out[name] = json.dumps(settings.getdict(name)) if isinstance(value, Mapping) else str(value)
    return out


def node_arguments(rt: Runtime, source: SourceConfig, budget: int = ARG_BUDGET) -> dict[str, str]:
    """The spider arguments for one source, with seen_urls cut to the most recent that fit the budget."""
    args = spider_arguments(spider_kwargs(rt, source))
    if len(args.get("seen_urls", "")) <= budget:
        return args
    # A feed lists only its latest entries, so the most recently stored URLs are the ones worth
    # skipping; a page outside them is fetched again and deduplicated by the store.
    recent = max(source.max_entries * 4, 50)
    while True:
        with transaction(rt.factory) as s:
            urls = store.source_state(s, source.id, recent=recent).seen_urls
        encoded = json.dumps(sorted(urls))
        if len(encoded) <= budget or recent <= 1:
            break
        recent //= 2
    args["seen_urls"] = encoded if len(encoded) <= budget else "[]"
    return args


class ScrapydCluster:
    """The nodes of one deployment: picks the least busy node and remembers each source's last job."""

    def __init__(self, nodes: Sequence[str], project: str = "deportwatch", timeout: float = 10.0) -> None:
        if not nodes:
            raise ValueError("a Scrapyd cluster needs at least one node")
        self.nodes = tuple(n.rstrip("/") for n in nodes)
        self.project = project
        self.timeout = timeout
        self._turn = itertools.count()
        self.active: dict[str, Job] = {}
        self._adopted = False

    @classmethod
    def from_config(cls, cfg: ScrapydConfig) -> ScrapydCluster:
        return cls(cfg.nodes, cfg.project, cfg.timeout_s)

    async def _call(self, node: str, endpoint: str, **kw: Any) -> dict[str, Any]:
        return await asyncio.to_thread(call_node, node, endpoint, timeout=self.timeout, **kw)

    async def status(self, node: str) -> NodeStatus | None:
        """The node's queue, or None when it does not answer (it is then skipped)."""
        try:
            answer = await self._call(node, "daemonstatus.json")
        except ScrapydError as e:
            log.warning("scrapyd node unavailable: %s", e)
            return None
        return NodeStatus(node, int(answer.get("pending", 0)), int(answer.get("running", 0)))

    async def nodes_by_load(self) -> list[str]:
        """Reachable nodes, least busy first; equal loads take turns so a quiet cluster spreads jobs."""
        statuses = await asyncio.gather(*(self.status(n) for n in self.nodes))
        turn = next(self._turn)
        order = {n: (i - turn) % len(self.nodes) for i, n in enumerate(self.nodes)}
        up = [s for s in statuses if s is not None]
        return [s.node for s in sorted(up, key=lambda s: (s.load, order[s.node]))]

    async def schedule(self, spider: str, source_id: str, args: Mapping[str, str],
                       settings: Mapping[str, str]) -> Job:
        """Queue one crawl on the least busy node that accepts it."""
        job_id = f"{source_id}{JOB_SEPARATOR}{uuid.uuid4().hex[:12]}"
        form = [("project", self.project), ("spider", spider), ("jobid", job_id),
                *(("setting", f"{k}={v}") for k, v in settings.items()), *args.items()]
        errors: list[str] = []
        for node in await self.nodes_by_load():
            try:
                await self._call(node, "schedule.json", form=form)
            except ScrapydError as e:
                errors.append(str(e))
                continue
            job = Job(node, job_id, source_id)
            self.active[source_id] = job
            return job
        raise ScrapydError("no Scrapyd node took the crawl: " + ("; ".join(errors) or "none reachable"))

    async def state(self, job: Job) -> JobState:
        try:
            answer = await self._call(job.node, "status.json", params={"job": job.job_id, "project": self.project})
        except ScrapydError:
            return "unknown"
        state = answer.get("currstate")
        return state if state in ("pending", "running", "finished") else "unknown"

    async def unfinished(self) -> list[Job]:
        """This project's pending and running jobs on every node that answers, whoever dispatched them."""
        async def on(node: str) -> list[Job]:
            try:
                answer = await self._call(node, "listjobs.json", params={"project": self.project})
            except ScrapydError:
                return []
            ids = [str(j.get("id", "")) for key in ("pending", "running") for j in answer.get(key, [])]
            return [Job(node, i, i.split(JOB_SEPARATOR, 1)[0]) for i in ids if JOB_SEPARATOR in i]

        return [job for jobs in await asyncio.gather(*(on(n) for n in self.nodes)) for job in jobs]

    async def busy_job(self, source_id: str) -> Job | None:
        """The source's previous job if it is still queued or running (one crawl per source at a time)."""
        if not self._adopted:
            # Jobs dispatched before this process led (a restart, a new leader) still count.
            self._adopted = True
            for found in await self.unfinished():
                self.active.setdefault(found.source_id, found)
        job = self.active.get(source_id)
        if job is None:
            return None
        if await self.state(job) in ("pending", "running"):
            return job
        del self.active[source_id]
        return None

    async def wait(self, jobs: Iterable[Job], timeout: float, poll: float = 0.5) -> list[Job]:
        """Wait until the jobs finish (or their nodes forget them); the ones still unfinished at the timeout."""
        left = list(jobs)
        deadline = time.monotonic() + timeout
        while left:
            states = await asyncio.gather(*(self.state(j) for j in left))
            left = [j for j, s in zip(left, states, strict=True) if s in ("pending", "running")]
            if not left or time.monotonic() >= deadline:
                break
            await asyncio.sleep(poll)
        return left


_CLUSTERS: dict[ScrapydConfig, ScrapydCluster] = {}


def cluster_for(cfg: ScrapydConfig) -> ScrapydCluster:
    """One cluster per scrapyd config, so turn-taking and each source's last job survive between runs."""
    if cfg not in _CLUSTERS:
        _CLUSTERS[cfg] = ScrapydCluster.from_config(cfg)
    return _CLUSTERS[cfg]


async def dispatch_crawl(source: SourceConfig, rt: Runtime) -> str:
    """Hand one source's crawl to a Scrapyd node; the job id (the running job's, if one is still going)."""
    if rt.config.scrapyd is None:
        raise ScrapydError("no scrapyd section in the configuration")
    cluster = cluster_for(rt.config.scrapyd)
    extra = {"source_id": source.id, "url": source.url}
    running = await cluster.busy_job(source.id)
    if running is not None:
        log.info("crawl still queued or running on %s as %s; not dispatched again", running.node, running.job_id,
                 extra=extra)
        return running.job_id
    args = await asyncio.to_thread(node_arguments, rt, source)
    # A source's kind is also its spider's name (see monitor.crawl.SPIDERS).
    job = await cluster.schedule(source.kind, source.id, args, node_settings(rt))
    log.info("crawl dispatched to %s as %s", job.node, job.job_id, extra=extra)
    return job.job_id


async def dispatch_source(rt: Runtime, source: SourceConfig) -> CrawlOutcome:
    """dispatch_crawl for the scheduler: a failure is recorded in the source's health row, never raised."""
    return await guarded(rt, source, lambda: dispatch_crawl(source, rt), "crawl dispatch")
