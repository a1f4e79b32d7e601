"""Time one classification per article (after warm-up) and print p50/p99 in milliseconds.

CPU time of the calling thread is the cost on one core and is not inflated by other processes;
wall-clock figures are printed too. Run: .venv/bin/python -m tests.classify.speed [--repeat N]
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
    cpu: list[float] = []
    for _ in range(repeat):
        for title, text in articles:
            t0, c0 = time.perf_counter(), time.thread_time()
            classifier.classify(title, text)
            cpu.append((time.thread_time() - c0) * 1000)
            timings.append((time.perf_counter() - t0) * 1000)
    long_cpu = []
    for _ in range(20):
        c0 = time.thread_time()
        classifier.classify("Long page", long_text)
        long_cpu.append((time.thread_time() - c0) * 1000)
    q_cpu = statistics.quantiles(cpu, n=100)
    q_wall = statistics.quantiles(timings, n=100)
    return {"articles": len(articles), "train_rows": len(train), "load_and_train_s": round(load_s, 2),
            "cpu_p50_ms": round(statistics.median(cpu), 3), "cpu_p99_ms": round(q_cpu[98], 3),
            "wall_p50_ms": round(statistics.median(timings), 3), "wall_p99_ms": round(q_wall[98], 3),
            "long_page_chars": len(long_text), "long_page_cpu_p50_ms": round(statistics.median(long_cpu), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    for key, value in measure(parser.parse_args().repeat).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
