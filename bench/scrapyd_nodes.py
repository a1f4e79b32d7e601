"""Local Scrapyd nodes for tests and benchmarks: the image's node config, moved onto loopback."""

from __future__ import annotations

import configparser
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from monitor.scrapyd import call_node

ROOT = Path(__file__).resolve().parent.parent
NODE_TEMPLATE = ROOT / "container" / "scrapyd.cfg"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def node_config(workdir: Path, port: int, max_proc: int = 0) -> str:
    """The image's node config, moved onto loopback, a free port and a private working folder."""
    cp = configparser.ConfigParser()
    cp.read(NODE_TEMPLATE)
    cp["scrapyd"].update(bind_address="127.0.0.1", http_port=str(port), poll_interval="0.2",
                         max_proc=str(max_proc), logs_dir=str(workdir / "logs"), dbs_dir=str(workdir / "dbs"),
                         eggs_dir=str(workdir / "eggs"))
    out = [f"[{section}]\n" + "".join(f"{k} = {v}\n" for k, v in cp[section].items()) for section in cp.sections()]
    return "\n".join(out)


def scrapyd_command() -> str:
    """The scrapyd executable next to this interpreter (the project's venv), else on PATH."""
    found = shutil.which("scrapyd", path=str(Path(sys.executable).parent)) or shutil.which("scrapyd")
    if found is None:
        raise FileNotFoundError("scrapyd is not installed (pip install scrapyd==1.6.0)")
    return found


@dataclass(frozen=True)
class LocalNode:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time of the node and of the crawl processes it has reaped (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # utime, stime, cutime, cstime are fields 14-17 of stat; fields[0] is field 3.
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


@contextmanager
def scrapyd_node(workdir: Path, env: dict[str, str], max_proc: int = 0) -> Iterator[LocalNode]:
    """A real Scrapyd process on 127.0.0.1; yields its base URL once it lists the project's spiders."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (workdir / "scrapy.cfg").write_text(node_config(workdir, port, max_proc))
    scrapyd = scrapyd_command()
    log = (workdir / "scrapyd.log").open("wb")
    proc = subprocess.Popen([scrapyd], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                # Also warms the node's spider list, which it builds by running `scrapy list` once.
                spiders = call_node(url, "listspiders.json", params={"project": "deportwatch"}, timeout=20)
                if "feed" not in spiders.get("spiders", []):
                    raise RuntimeError(f"node at {url} lists no feed spider: {spiders}")
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"scrapyd at {url} did not start; see {workdir / 'scrapyd.log'}") from None
                time.sleep(0.2)
        yield LocalNode(url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
