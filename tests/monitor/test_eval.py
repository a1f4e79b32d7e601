"""`deportwatch eval`: figures, predictions in input order, country aliases, grouping in file order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from monitor.evaluate import pairwise_f1

ROWS = [
    {"title": "Eswatini receives five deportees from third countries on U.S. flight",
     "text": "A U.S. deportation flight carrying five men from Vietnam, Jamaica, Laos, Cuba and Yemen landed in "
             "Eswatini on Tuesday, the Department of Homeland Security said. The men are third-country nationals "
             "whose own countries would not take them back, and they are held at a prison near Matsapha.",
     "label": "positive", "receiving_country": "Swaziland", "stage": "first_arrivals", "deportee_count": 5,
     "development": "sz-1", "published": "2025-07-16"},
    {"title": "Five migrants from other countries flown from the U.S. to Eswatini",
     "text": "Eswatini's government confirmed that five men deported by the United States, none of them Swazi, "
             "arrived on a flight this week under an arrangement with Washington; they are third-country nationals.",
     "label": "positive", "receiving_country": "Eswatini", "stage": "first_arrivals", "deportee_count": 5,
     "development": "sz-1", "published": "2025-07-17"},
    {"title": "Deportation flight returns 130 Mexicans to Villahermosa",
     "text": "A flight from Texas returned 130 Mexican nationals to Villahermosa on Friday. All passengers were "
             "Mexican citizens deported from the United States and were received by migration officials.",
     "label": "negative", "hard_negative": True},
]


def test_eval_reports_figures_and_predictions(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    out = tmp_path / "pred.jsonl"
    r = subprocess.run([sys.executable, "-m", "monitor.cli", "eval", str(data), "--json", "--predictions", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    figures = json.loads(r.stdout)
    for key in ("precision", "recall", "f1", "hard_negative_fp", "hard_negative_total", "country_accuracy",
                "stage_accuracy", "count_accuracy", "grouping_f1", "n"):
        assert key in figures
    assert figures["n"] == 3 and figures["hard_negative_total"] == 1
    preds = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(preds) == 3
    assert set(preds[0]) == {"relevant", "score", "receiving_country", "stage", "deportee_count", "development"}
    assert preds[0]["relevant"] and preds[1]["relevant"] and not preds[2]["relevant"]
    assert preds[2]["development"] is None
    # "Swaziland" in the labels matches "Eswatini" in the predictions through its ISO code.
    assert figures["country_accuracy"] == 1.0
    assert preds[0]["development"] == preds[1]["development"] and figures["grouping_f1"] == 1.0


def test_eval_rejects_a_bad_row_with_its_line(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    data.write_text(json.dumps(ROWS[0]) + "\n{not json\n")
    r = subprocess.run([sys.executable, "-m", "monitor.cli", "eval", str(data)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and f"{data}:2" in r.stderr


def test_pairwise_f1() -> None:
    assert pairwise_f1(["a", "a", "b", None], [1, 1, 2, None]) == 1.0
    assert pairwise_f1(["a", "a", "a"], [1, 2, 3]) == 0.0
    # One of three true pairs found, one false pair: precision 1/2, recall 1/3.
    assert abs(pairwise_f1(["a", "a", "a", "b"], [1, 1, 2, 2]) - 0.4) < 1e-9


def test_by_date_groups_in_publication_order(tmp_path: Path) -> None:
    # The later report comes first in the file: crawled in that order it opened a development dated after
    # the earlier report, which then could not join it.
    later = {**ROWS[1], "published": "2025-07-20"}
    data = tmp_path / "rows.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in (later, ROWS[0])) + "\n")
    figures = {}
    for flag in ([], ["--by-date"]):
        r = subprocess.run([sys.executable, "-m", "monitor.cli", "eval", str(data), "--json", *flag],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        figures[bool(flag)] = json.loads(r.stdout)["grouping_f1"]
    assert figures == {False: 0.0, True: 1.0}


def test_held_out_scores_the_corpus_held_out_side(tmp_path: Path) -> None:
    from monitor.classify.corpus import load_corpus, split

    r = subprocess.run([sys.executable, "-m", "monitor.cli", "eval", "--held-out", "--json"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["n"] == len(split(load_corpus())[1])
    both = subprocess.run([sys.executable, "-m", "monitor.cli", "eval", str(tmp_path / "x.jsonl"), "--held-out"],
                          capture_output=True, text=True, timeout=60)
    assert both.returncode == 2 and "not both" in both.stderr
