"""Configuration: every problem reported with file and line; secrets from the environment, never shown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.config import DEFAULT_CONFIG, load_config, redacted
from monitor.errors import ConfigError

TWO_MISTAKES = """\
sources:
  - id: good
    kind: feed
    url: https://example.org/feed.xml
    interval: 10m
  - id: bad
    kind: rss
    url: https://example.org/other.xml
digest:
  timezone: Mars/Olympus_Mons
"""


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_two_mistakes_are_both_reported_with_lines(tmp_path: Path) -> None:
    f = tmp_path / "dw.yaml"
    f.write_text(TWO_MISTAKES)
    with pytest.raises(ConfigError) as e:
        load_config(f)
    found = {(p.line, p.where) for p in e.value.problems}
    assert (7, "sources[1] (bad).kind") in found
    assert (10, "digest.timezone") in found
    assert len(e.value.problems) == 2


def test_config_check_cli_exits_2_and_names_file_and_lines(tmp_path: Path) -> None:
    f = tmp_path / "dw.yaml"
    f.write_text(TWO_MISTAKES)
    r = run_cli("config", "check", "--config", str(f))
    assert r.returncode == 2
    assert f"{f}:7:" in r.stderr and f"{f}:10:" in r.stderr
    assert "Traceback" not in r.stderr
    r = run_cli("config", "check", "--config", str(f), "--json")
    assert r.returncode == 2
    assert sorted(p["line"] for p in json.loads(r.stdout)["problems"]) == [7, 10]


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("sources:\n  - id: a\n    kind: feed\n    url: [unclosed\n", 5, "flow sequence at line 4"),
        ("- just\n- a list\n", 1, "mapping"),
        ("sources:\n  - id: a\n    kind: feed\n    url: https://x.org/f\n    colour: red\n", 5, "unknown setting"),
        ("sources:\n  - id: a\n    kind: feed\n    url: https://x.org/f\n  - id: a\n    kind: feed\n"
         "    url: https://x.org/g\n", 1, "duplicate source"),
        ("channels:\n  - name: mail\n    url: ${DW_TEST_UNSET_VAR}\n", 3, "DW_TEST_UNSET_VAR is not set"),
    ],
)
def test_each_kind_of_mistake_is_located(tmp_path: Path, text: str, line: int, needle: str) -> None:
    f = tmp_path / "dw.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_config(f)
    assert any(p.line == line and needle in p.message for p in e.value.problems), e.value.problems


def test_secrets_come_from_environment_and_are_redacted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s3cr3t-pa55word"
    monkeypatch.setenv("DW_TEST_MAIL", f"mailtos://alice:{secret}@mail.example.org?to=team@example.org")
    f = tmp_path / "dw.yaml"
    f.write_text("channels:\n  - name: mail\n    url: ${DW_TEST_MAIL}\n  - name: pager\n    url: ${DW_TEST_OFF:-}\n")
    cfg = load_config(f)
    assert [c.name for c in cfg.channels] == ["mail"]  # an unset optional channel is off
    assert secret in cfg.channels[0].url.get_secret_value()
    assert secret not in json.dumps(redacted(cfg))
    r = run_cli("config", "show", "--config", str(f), env={**__import__("os").environ, "DW_TEST_MAIL": f"mailtos://alice:{secret}@x.org"})
    assert r.returncode == 0, r.stderr
    assert secret not in r.stdout + r.stderr


def test_shipped_default_config_is_valid() -> None:
    cfg = load_config(DEFAULT_CONFIG)
    assert cfg.sources and all(s.interval_s > 0 for s in cfg.sources)


def test_kind_specific_options_are_validated_with_the_source_line(tmp_path: Path) -> None:
    f = tmp_path / "dw.yaml"
    f.write_text(
        "sources:\n"
        "  - id: ok\n    kind: feed\n    url: https://example.org/feed\n"
        "  - id: dhs\n    kind: listing\n    url: https://www.dhs.gov/news\n    selectors: {title: 'h3 a'}\n"
        "  - id: gn\n    kind: search\n    url: https://example.org/q\n"
        "  - id: feedq\n    kind: feed\n    url: https://example.org/f\n    query: deportees\n"
    )
    with pytest.raises(ConfigError) as e:
        load_config(f)
    by_line = {p.line: p for p in e.value.problems}
    assert set(by_line) == {5, 9, 12}
    assert "links" in by_line[5].message and "(dhs)" in by_line[5].where
    assert "Google News" in by_line[9].message
    assert "only apply to kind 'search'" in by_line[12].message
