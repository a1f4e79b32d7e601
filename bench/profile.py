"""Where a crawl's CPU goes: py-spy samples of one bench crawl, summed by pipeline stage and thread.

`python -m bench.profile [pipeline|bare] [--out FILE]` records a crawl of the 2,000-article site
with py-spy (pip package py-spy) and prints each stage's share of the samples.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.crawl import ROOT, bench_env, write_config
from bench.site import StaticSite

# First match wins, tested against the frames from the innermost outwards.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("start-up (imports, model training, migrations)",
     ("_find_and_load", "Classifier.load", "alembic", "open_runtime")),
    ("content hash", ("content_hash",)),
    ("extract: quick read (lxml) and topic check", ("quick_read", "quick_article", "page_html")),
    ("extract: trafilatura", ("trafilatura/",)),
    ("classify", ("monitor/classify/",)),
    ("store (SQLAlchemy, SQLite/PostgreSQL)", ("sqlalchemy/", "db/store.py", "monitor/developments.py",
                                              "sqlite3", "psycopg")),
    ("feed parsing (feedparser)", ("feedparser/",)),
    ("spider: rel=canonical lookup (parsel/lxml)", ("declared_canonical",)),
    ("spider callbacks", ("spiders/",)),
    ("Scrapy / Twisted / asyncio", ("scrapy/", "twisted/", "asyncio/", "parsel/", "w3lib/")),
)


def stage_of(frames: list[str]) -> str:
    # py-spy's --threads line starts with the thread; frames follow outermost first.
    for name, needles in STAGES:
        if any(needle in frame for frame in frames for needle in needles):
            return name
    return "other"


def summarise(raw: Path, rate: int = 100) -> dict[str, dict[str, float]]:
    """Per thread (event loop, pipeline worker): CPU seconds by stage (samples of the GIL holder / rate)."""
    counts: Counter[tuple[str, str]] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not stack or not samples.isdigit():
            continue
        frames = stack.split(";")
        thread = "pipeline thread" if "dw-pipeline" in frames[0] else "event loop thread"
        counts[(thread, stage_of(frames[1:]))] += int(samples)
    out: dict[str, dict[str, float]] = {}
    for (thread, stage), n in counts.most_common():
        out.setdefault(thread, {})[stage] = round(n / rate, 2)
    return out


def record(mode: str, out: Path, articles: int = 2000, rate: int = 100) -> dict[str, dict[str, float]]:
    """Profile one crawl (`mode` bare or pipeline) of a fresh site; the raw samples go to `out`."""
    from monitor.newssite import generate_articles

    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    with StaticSite(generate_articles(articles, 0.2, seed=1)) as site, tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp) / "bench.yaml", site.feed_urls())
        args = ({"feeds": list(site.feed_urls().values())} if mode == "bare"
                else {"config": str(config), "crawls": 1})
        cmd = [spy, "record", "-r", str(rate), "-t", "--gil", "-f", "raw", "-o", str(out), "--",
               sys.executable, "-m", "bench.crawl", mode, json.dumps(args)]
        proc = subprocess.run(cmd, env=bench_env(f"sqlite:///{tmp}/profile.db", config), cwd=ROOT,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-2000:])
        print(proc.stdout.strip().splitlines()[-1])
    return summarise(out, rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["pipeline", "bare"], nargs="?", default="pipeline")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--summarise", type=Path, default=None, help="only summarise an existing raw file")
    args = parser.parse_args()
    if args.summarise:
        result = summarise(args.summarise)
    else:
        out = args.out or Path(tempfile.mkdtemp()) / f"{args.mode}.raw"
        result = record(args.mode, out)
        print(f"raw samples: {out}")
    for thread, stages in result.items():
        print(f"{thread}:")
        for stage, share in stages.items():
            print(f"  {share:6.2f} s  {stage}")


if __name__ == "__main__":
    main()
