"""The results table: verdicts against the targets and the README section it rewrites."""

from __future__ import annotations

from pathlib import Path

from bench.report import BEGIN, END, rows, update_readme

RESULTS = {
    "bare_pages_per_s": 300.0, "pipeline_pages_per_s": 120.0, "crawl_ratio": 0.4, "recrawl_time_ratio": 0.04,
    "recrawl_bytes_ratio": 0.03, "classify_ms_p50": 1.1, "alert_latency_s": 0.5, "rss_mb": [250.0, 260.0, 265.0],
    "rss_growth_10_to_100": 0.019,
    "insert_ms": {"sqlite": {"10000": 1.0, "100000": 1.1, "1000000": 1.2},
                  "postgresql": {"10000": 1.0, "100000": 2.0, "1000000": 4.0}},
    "machine": {"cores": 2, "versions": {}},
}


def test_each_target_gets_its_verdict() -> None:
    table = {label.strip(): (value, verdict) for label, value, _, verdict in rows(RESULTS)}
    assert table["crawl ratio"] == ("0.4", "NOT met")
    assert table["re-crawl time ratio"][1] == "met"
    assert table["insert 1M ÷ 10k SQLite"] == ("1.2", "met")
    assert table["insert 1M ÷ 10k PostgreSQL"] == ("4.0", "NOT met")
    assert table["daemon RSS MB after 1 / 10 / 100 crawls"][0] == "250.0 / 260.0 / 265.0"
    assert table["same, shipped dispatch interval"] == ("–", "–")


def test_the_readme_table_is_replaced_between_its_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{BEGIN}\nold table\n{END}\nafter\n")
    update_readme(RESULTS, readme)
    text = readme.read_text()
    assert "old table" not in text and "| crawl ratio | 0.4 | ≥ 0.5 | NOT met |" in text
    assert text.startswith("intro\n") and text.endswith(f"{END}\nafter\n")
