"""Classifier speed: articles per second on one core, p50/p99 per article.

Two sets: the labelled corpus (short articles, headlines and feed summaries) and the long pages of the
validation set (news pages of 550-750 words, as extracted from a site). Run in its own process pinned to one
CPU (`python -m bench.classify`); times are CPU time of the classifying thread, so other load on the
machine does not count against it. On a shared virtual machine the same code still varies from run to run
(caches, the host's other guests); each article's fastest pass is reported beside the p50 of all passes.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from typing import Any


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


LONG_PAGE_CHARS = 2500


def _timed(classifier: Any, rows: list[Any], passes: int) -> tuple[list[float], list[float], float, float]:
    """Every timing (ms), each article's fastest of the passes (ms), CPU and wall seconds."""
    for row in rows:  # warm caches (compiled patterns, lazy tables)
        classifier.classify(row.title, row.text, language=row.language)
    per_article: list[float] = []
    fastest = [float("inf")] * len(rows)
    wall0, cpu0 = time.perf_counter(), time.thread_time()
    for _ in range(passes):
        for i, row in enumerate(rows):
            t0 = time.thread_time()
            classifier.classify(row.title, row.text, language=row.language)
            ms = (time.thread_time() - t0) * 1000
            per_article.append(ms)
            fastest[i] = min(fastest[i], ms)
    return per_article, fastest, time.thread_time() - cpu0, time.perf_counter() - wall0


def measure(passes: int = 3) -> dict[str, Any]:
    from pathlib import Path

    from monitor.classify import Classifier
    from monitor.classify.corpus import default_corpus_dir, load_corpus
    from monitor.evaluate import read_eval_rows

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rows = load_corpus(None)
    long_rows = [r for r in read_eval_rows(Path(default_corpus_dir()) / "validation.jsonl")
                 if len(r.text) >= LONG_PAGE_CHARS]
    classifier = Classifier.load()
    per_article, fastest, cpu, wall = _timed(classifier, rows, passes)
    per_page, fastest_page, _, _ = _timed(classifier, long_rows, passes)
    return {
        "classify_per_s": round(len(per_article) / cpu, 1),
        "classify_ms_p50": round(statistics.median(per_article), 3),
        "classify_ms_p99": round(percentile(per_article, 99), 3),
        "classify_articles": len(rows),
        "classify_wall_per_s": round(len(per_article) / wall, 1),
        "classify_mean_chars": round(statistics.fmean(len(r.title) + len(r.text) for r in rows)),
        "classify_long_ms_p50": round(statistics.median(per_page), 3),
        "classify_long_ms_p99": round(percentile(per_page, 99), 3),
        # Each article's fastest pass: its cost without interference from the rest of the machine.
        "classify_ms_fastest_p50": round(statistics.median(fastest), 3),
        "classify_long_ms_fastest_p50": round(statistics.median(fastest_page), 3),
        "classify_long_pages": len(long_rows),
        "classify_long_mean_chars": round(statistics.fmean(len(r.title) + len(r.text) for r in long_rows)),
    }


if __name__ == "__main__":
    print(json.dumps(measure()))
