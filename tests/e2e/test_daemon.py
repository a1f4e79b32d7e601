"""The daemon for real: scheduled crawls and dispatch in one process, clean stop on SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from monitor.loopback import SmtpSink, WebhookSink
from monitor.newssite import NewsSite, demo_articles
from tests.e2e.conftest import popen, write_config
from tests.support.procfs import listening_ports

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_daemon_alerts_then_stops_cleanly(
    tmp_path: Path, site: NewsSite, smtp: SmtpSink, webhook: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'daemon.db'}"
    web_port = free_port()
    monkeypatch.setenv("DEPORTWATCH_WEB_PORT", str(web_port))
    cfg = write_config(tmp_path / "dw.yaml", site, smtp, interval="2s")
    proc = popen(webhook.url, "run", "--config", str(cfg), db_url=db)
    try:
        smtp.wait_for(2, timeout=60)
        webhook.wait_for(2, timeout=10)
        # A further development published while the daemon runs arrives on the next scheduled crawl.
        _, second = demo_articles()
        site.publish(second[0])
        smtp.wait_for(3, timeout=30)
        # Only the health/metrics server listens: neither Scrapy's telnet console nor its remote-control server.
        assert listening_ports(proc.pid) == {web_port}
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/healthz", timeout=10) as r:
            assert r.status == 200 and json.load(r)["role"] == "leader"
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
        stopped_in = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    _, err = proc.communicate()
    assert code == 0, err[-3000:]
    assert stopped_in < 10
    assert "Traceback" not in err
    assert len(smtp.messages) == 3
