"""`deportwatch classify`: one article in, the decision and its reasons out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.classify.conftest import SEED_FILE, SEED_MISSING


@pytest.mark.skipif(not SEED_FILE.is_file(), reason=SEED_MISSING)
def test_classify_prints_the_seed_article_s_facts_as_json() -> None:
    out = subprocess.run([sys.executable, "-m", "monitor.cli", "classify", "--json", str(SEED_FILE)],
                         capture_output=True, text=True, timeout=120, check=True)
    got = json.loads(out.stdout)
    assert (got["relevant"], got["receiving_country"], got["stage"], got["deportee_count"], got["count_kind"]) == (
        True, "Kosovo", "agreement", 50, "cap")
    assert got["country_code"] == "XK" and got["score"] >= 0.5
    assert isinstance(got["stage_alternatives"], list) and "agreement" not in got["stage_alternatives"]
    assert any(r.startswith("stage agreement") for r in got["reasons"])


def test_classify_reads_standard_input_and_names_a_missing_file(tmp_path: Path) -> None:
    text = "Ghana receives 14 West African deportees from the U.S.\nFourteen people, none of them Ghanaian, landed."
    out = subprocess.run([sys.executable, "-m", "monitor.cli", "classify", "--json", "-"], input=text,
                         capture_output=True, text=True, timeout=120, check=True)
    got = json.loads(out.stdout)
    assert got["relevant"] and got["receiving_country"] == "Ghana" and got["deportee_count"] == 14
    missing = tmp_path / "nope.txt"
    bad = subprocess.run([sys.executable, "-m", "monitor.cli", "classify", str(missing)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and str(missing) in bad.stderr and "Traceback" not in bad.stderr
