"""`deportwatch demo`: the whole product offline, on the generated news site, as `make demo` runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e


def test_demo_alerts_each_development_once_on_both_channels() -> None:
    out = subprocess.run([sys.executable, "-m", "monitor.cli", "demo", "--json"], capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert report["ok"] is True and report["seconds"] < 60
    runs = report["runs"]
    assert [len(r["alerts"]) for r in runs] == [2, 1, 0]
    first = {a["receiving_country"]: a for a in runs[0]["alerts"]}
    assert set(first) == {"Kosovo", "Eswatini"}
    kosovo = first["Kosovo"]
    assert (kosovo["stage"], kosovo["deportee_count"], kosovo["official"]) == ("agreement", 50, True)
    # The official release names its publisher, as State Department pages do (og:site_name).
    assert "United States Department of State" in {s["outlet"] for s in kosovo["sources"]}
    assert len(kosovo["sources"]) == 3
    assert runs[1]["alerts"][0]["receiving_country"] == "Rwanda"
    assert all(sorted(a["delivered_to"]) == ["email", "webhook"] for r in runs for a in r["alerts"])
