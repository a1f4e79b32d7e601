"""Classifier speed: articles per second on one core over the labelled corpus, p50/p99 per article.

Run in its own process pinned to one CPU (`python -m bench.classify`); times are CPU time of the
classifying thread, so other load on the machine does not count against it.
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


def measure(passes: int = 3) -> dict[str, Any]:
    from monitor.classify import Classifier
    from monitor.classify.corpus import load_corpus

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rows = load_corpus(None)
    classifier = Classifier.load()
    for row in rows:  # warm caches (compiled patterns, lazy tables)
        classifier.classify(row.title, row.text, language=row.language)
    per_article: list[float] = []
    wall0, cpu0 = time.perf_counter(), time.thread_time()
    for _ in range(passes):
        for row in rows:
            t0 = time.thread_time()
            classifier.classify(row.title, row.text, language=row.language)
            per_article.append((time.thread_time() - t0) * 1000)
    cpu = time.thread_time() - cpu0
    return {
        "classify_per_s": round(len(per_article) / cpu, 1),
        "classify_ms_p50": round(statistics.median(per_article), 3),
        "classify_ms_p99": round(percentile(per_article, 99), 3),
        "classify_articles": len(rows),
        "classify_wall_per_s": round(len(per_article) / (time.perf_counter() - wall0), 1),
        "classify_mean_chars": round(statistics.fmean(len(r.title) + len(r.text) for r in rows)),
    }


if __name__ == "__main__":
    print(json.dumps(measure()))
