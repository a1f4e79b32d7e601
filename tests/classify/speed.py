"""Time one classification per article (single core, after warm-up) and print p50/p99 in milliseconds.

Run: .venv/bin/python -m tests.classify.speed [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from monitor.classify import Classifier
from monitor.classify.corpus import load_corpus, split


def measure(repeat: int = 3) -> dict[str, float]:
    rows = load_corpus()
    train, _ = split(rows)
    started = time.perf_counter()
    classifier = Classifier.load()
    load_s = time.perf_counter() - started
    articles = [(r.title, r.text) for r in rows]
    long_text = " ".join(r.text for r in rows[:40])  # a long page, about 40 articles of text
    for title, text in articles[:50]:  # warm-up: regex caches, vectoriser, gazetteer
        classifier.classify(title, text)
    timings: list[float] = []
    for _ in range(repeat):
        for title, text in articles:
            t0 = time.perf_counter()
            classifier.classify(title, text)
            timings.append((time.perf_counter() - t0) * 1000)
    long_timings = []
    for _ in range(20):
        t0 = time.perf_counter()
        classifier.classify("Long page", long_text)
        long_timings.append((time.perf_counter() - t0) * 1000)
    q = statistics.quantiles(timings, n=100)
    return {"articles": len(articles), "train_rows": len(train), "load_and_train_s": round(load_s, 2),
            "p50_ms": round(statistics.median(timings), 3), "p99_ms": round(q[98], 3),
            "long_page_chars": len(long_text), "long_page_p50_ms": round(statistics.median(long_timings), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    for key, value in measure(parser.parse_args().repeat).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
