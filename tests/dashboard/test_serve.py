"""`deportwatch serve`: the dashboard alone, on loopback, with its token taken from the environment."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.dashboard.conftest import Client

pytestmark = pytest.mark.e2e
TOKEN = "token-from-the-environment-1234"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_alone_on_loopback_with_the_token_from_the_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "dw.yaml"
    cfg.write_text("dashboard:\n  token: ${DW_TEST_DASHBOARD_TOKEN}\n")
    port = free_port()
    env = {**os.environ, "DEPORTWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'dw.db'}",
           "DW_TEST_DASHBOARD_TOKEN": TOKEN, "DEPORTWATCH_WEB_HOST": "", "DEPORTWATCH_WEB_PORT": ""}
    env = {k: v for k, v in env.items() if v}
    proc = subprocess.Popen([sys.executable, "-m", "monitor.cli", "serve", "--config", str(cfg), "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "the dashboard did not start"
                time.sleep(0.1)
        c = Client(f"http://127.0.0.1:{port}")
        assert c.get("/api/countries").status == 401
        reply = c.get("/api/countries", headers={"Authorization": f"Bearer {TOKEN}"})
        assert reply.status == 200 and isinstance(reply.json()["items"], list)
        assert c.login(user="", password=TOKEN).status == 303 and c.get("/").status == 200
        ss = shutil.which("ss")
        if ss:
            listening = subprocess.run([ss, "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
            local = [line.split()[3] for line in listening.splitlines()]
            assert local == [f"127.0.0.1:{port}"]  # loopback unless told otherwise
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert TOKEN not in err
