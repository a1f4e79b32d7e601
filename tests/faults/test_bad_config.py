"""Every kind of broken configuration gives exit 2 with the file, the line and the reason, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.faults.harness import base_env, cli_batch

pytestmark = pytest.mark.faults
OK_SOURCE = '  - {id: ok, kind: feed, url: "https://n.example/feed"}\n'


@dataclass(frozen=True)
class Bad:
    name: str
    text: str | bytes
    line: int | None
    reason: str
    more: tuple[str, ...] = ()
    """Further problems the same run must list (every problem is reported at once)."""


CASES = [
    Bad("unclosed-bracket", "sources: [\n", 2, "invalid YAML"),
    Bad("tab-indent", "sources:\n\t- id: x\n", 2, "invalid YAML"),
    Bad("bad-indent", "sources:\n  - id: a\n   kind: feed\n", 3, "invalid YAML"),
    Bad("two-documents", "sources: []\n---\nchannels: []\n", 2, "invalid YAML"),
    Bad("python-tag", 'crawl: !!python/object/apply:os.system ["true"]\n', 1, "invalid YAML"),
    Bad("top-level-list", "- a\n- b\n", 1, "top level must be a mapping"),
    Bad("unknown-section", "sourcez: []\n", 1, "unknown setting 'sourcez'"),
    Bad("sources-not-a-list", "sources: everything\n", 1, "sources"),
    Bad("source-not-a-mapping", "sources:\n  - 42\n", 2, "sources[0]"),
    Bad("unknown-source-field", "sources:\n" + OK_SOURCE + "  - id: b\n    kind: feed\n    url: https://n.example/b\n"
        "    interval_secs: 60\n", 6, "unknown setting 'interval_secs'"),
    Bad("bad-kind", "sources:\n  - id: a\n    kind: rss\n    url: https://n.example/f\n", 3, "'rss' is not one of"),
    Bad("missing-url", "sources:\n  - id: a\n    kind: feed\n", 2, "url"),
    Bad("ftp-url", "sources:\n  - id: a\n    kind: feed\n    url: ftp://n.example/f\n", 4, "http:// or https://"),
    Bad("bad-interval", "sources:\n  - id: a\n    kind: feed\n    url: https://n.example/f\n    interval: soon\n", 5,
        "duration"),
    Bad("negative-interval", "sources:\n  - {id: a, kind: feed, url: 'https://n.example/f', interval: -5}\n", 2,
        "duration"),
    Bad("bad-cron", "sources:\n  - id: a\n    kind: feed\n    url: https://n.example/f\n    cron: '61 * * * *'\n", 5,
        "cron"),
    Bad("cron-and-interval", "sources:\n  - id: a\n    kind: feed\n    url: https://n.example/f\n    interval: 1h\n"
        "    cron: '0 * * * *'\n", 2, "either interval or cron"),
    Bad("bad-id", "sources:\n  - {id: 'Bad ID!', kind: feed, url: 'https://n.example/f'}\n", 2, "id"),
    Bad("duplicate-id", "sources:\n" + OK_SOURCE + OK_SOURCE, 1, "duplicate source 'ok'"),
    Bad("too-many-entries", "sources:\n  - {id: a, kind: feed, url: 'https://n.example/f', max_entries: 5000}\n", 2,
        "max_entries"),
    Bad("selectors-on-feed", "sources:\n  - id: a\n    kind: feed\n    url: https://n.example/f\n    selectors:\n"
        "      links: a\n", 2, "'selectors' only applies to kind 'listing'"),
    Bad("broken-selector", "sources:\n  - id: a\n    kind: listing\n    url: https://n.example/f\n    selectors:\n"
        "      links: 'h3 >>> a'\n", 2, "links"),
    Bad("search-without-query", "sources:\n  - {id: a, kind: search, url: 'https://news.google.com/rss/search'}\n", 2,
        "query"),
    Bad("unset-env-var", "channels:\n  - name: mail\n    url: ${DW_FAULTS_NEVER_SET}\n", 3,
        "environment variable DW_FAULTS_NEVER_SET is not set"),
    Bad("bad-channel-tag", "channels:\n  - name: mail\n    url: mailto://a@b.example\n    tags: [everything]\n", 4,
        "'everything' is not one of"),
    Bad("bad-channel-name", "channels:\n  - name: 'team mail; DROP'\n    url: mailto://a@b.example\n", 2, "name"),
    Bad("unknown-timezone", "digest:\n  timezone: Mars/Olympus_Mons\n", 2, "unknown time zone"),
    Bad("bad-digest-time", "digest:\n  time: '25:99'\n", 2, "time"),
    Bad("zero-attempts", "alerts:\n  max_attempts: 0\n", 2, "max_attempts"),
    Bad("bad-dispatch-interval", "alerts:\n  dispatch_interval: fast\n", 2, "duration"),
    Bad("bad-timeout", "crawl:\n  download_timeout_s: abc\n", 2, "download_timeout_s"),
    Bad("short-dashboard-token", "dashboard:\n  token: short\n", 2, "at least 16 characters"),
    Bad("many-problems-at-once", "sources:\n  - {id: a, kind: rss, url: 'https://n.example/f'}\nalerts:\n"
        "  max_attempts: 0\n", 2, "'rss' is not one of", more=(":4: alerts.max_attempts",)),
    Bad("not-utf8", b"\xff\xfesources: [\n", None, "UTF-8"),
    Bad("duplicate-key", "sources:\n" + OK_SOURCE + "channels: []\nsources: []\n", 4, "duplicate"),
]
XFAIL: dict[str, str] = {}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    """Each case run through `config check` and `run`, all in one process (one interpreter start)."""
    work = tmp_path_factory.mktemp("bad-config")
    runs = []
    for case in CASES:
        path = work / f"{case.name}.yaml"
        path.write_bytes(case.text if isinstance(case.text, bytes) else case.text.encode())
        runs += [{"args": ["config", "check", "--config", str(path)]}, {"args": ["run", "--config", str(path)]}]
    results = cli_batch(runs, base_env(f"sqlite:///{work / 'dw.db'}"))
    return {(r["args"][0], Path(r["args"][-1]).stem): r for r in results}


@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.name, marks=[pytest.mark.xfail(strict=True, reason=XFAIL[c.name])] if c.name in XFAIL else [])
    for c in CASES
])
@pytest.mark.parametrize("command", ["config", "run"])
def test_bad_config_exits_2_with_file_line_and_reason(
    case: Bad, command: str, outcomes: dict[tuple[str, str], dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = outcomes[(command, case.name)]
    assert result["traceback"] is None, result["traceback"][-2000:]
    assert result["code"] == 2, result
    where = f"{case.name}.yaml:{case.line}:" if case.line else f"{case.name}.yaml:"
    lines = [line for line in result["stderr"].splitlines() if line.startswith("config error:")]
    assert any(where in line and case.reason in line for line in lines), result["stderr"]
    assert all(any(m in line for line in lines) for m in case.more), result["stderr"]


ENV_CASES = {
    "DEPORTWATCH_WEB_PORT": "not-a-port",
    "DEPORTWATCH_LOG_FORMAT": "xml",
    "DEPORTWATCH_LOG_LEVEL": "LOUD",
    "DEPORTWATCH_SEED_LEDGER": "maybe",
    "DEPORTWATCH_DATABASE_URL": "nosuchdb://x/y",
}


def test_bad_environment_settings_exit_2_naming_the_variable(tmp_path: Path) -> None:
    cfg = tmp_path / "dw.yaml"
    cfg.write_text("sources: []\n")
    runs = [{"args": ["sources", "list", "--config", str(cfg)], "env": {var: value}}
            for var, value in ENV_CASES.items()]
    results = cli_batch(runs, base_env(f"sqlite:///{tmp_path / 'dw.db'}"))
    failures = [(var, r["code"], (r["traceback"] or "")[-200:]) for var, r in zip(ENV_CASES, results, strict=True)
                if r["traceback"] or r["code"] != 2 or var not in r["stderr"]]
    assert failures == []


def test_the_installed_command_reports_bad_config_the_same_way(tmp_path: Path) -> None:
    """The table runs in one process for speed; the real entry point behaves the same."""
    path = tmp_path / "bad.yaml"
    path.write_text("sources:\n  - id: a\n    kind: rss\n    url: https://n.example/f\n")
    for args in (["config", "check"], ["run"]):
        done = subprocess.run([sys.executable, "-m", "monitor.cli", *args, "--config", str(path)], capture_output=True,
                              text=True, env=base_env(f"sqlite:///{tmp_path / 'dw.db'}"), timeout=60)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert f"config error: {path}:3: sources[0] (a).kind: 'rss' is not one of" in done.stderr


def test_an_unreachable_database_is_a_one_line_error(tmp_path: Path) -> None:
    cfg = tmp_path / "dw.yaml"
    cfg.write_text("sources: []\n")
    done = subprocess.run([sys.executable, "-m", "monitor.cli", "sources", "list", "--config", str(cfg)],
                          capture_output=True, text=True, timeout=60,
                          env=base_env("postgresql+psycopg://dw@127.0.0.1:1/dw"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and len(done.stderr.splitlines()) <= 2
