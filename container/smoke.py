"""Host side of the container smoke test: a loopback news site and mail sink, and the config pointing at them.

    python container/smoke.py serve DIR      # writes DIR/deportwatch.yaml, DIR/mail.json per mail; runs until SIGTERM
    python container/smoke.py wait-mail DIR SECONDS   # exits 0 once a development alert has arrived
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from pathlib import Path

import yaml

from monitor.demo import local_mail_url
from monitor.loopback import SmtpSink
from monitor.newssite import NewsSite, demo_articles


def serve(folder: Path) -> int:
    # The second batch holds a development that is not in the shipped history, so it must alert.
    first, second = demo_articles()
    site = NewsSite([*first, *second])
    site.serve()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with SmtpSink() as smtp:
        config = {
            "sources": [{"id": f"smoke-{outlet}", "kind": "feed", "url": url, "interval": "10m",
                         "allow_private": True} for outlet, url in site.feed_urls().items()],
            "channels": [{"name": "email", "url": local_mail_url(smtp.host, smtp.port)}],
            "alerts": {"dispatch_interval": "1s"},
        }
        (folder / "deportwatch.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        seen = -1
        while not stop.wait(0.2):
            mails = smtp.messages
            if len(mails) != seen:
                seen = len(mails)
                status = {"mails": seen, "subjects": [str(m["Subject"]) for m in mails],
                          "pages": sum(s.requests for p, s in site.requests.items() if p.endswith(".html"))}
                tmp = folder / "mail.json.tmp"
                tmp.write_text(json.dumps(status))
                tmp.replace(folder / "mail.json")
    site.stop()
    return 0


def wait_mail(folder: Path, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    status: dict[str, object] = {}
    while time.monotonic() < deadline:
        try:
            status = json.loads((folder / "mail.json").read_text())
        except (OSError, ValueError):
            status = {}
        if int(str(status.get("mails", 0))) > 0:
            print(f"mail arrived: {status['subjects']}")
            return 0
        time.sleep(0.5)
    print(f"no mail in {seconds:.0f}s: {status}")
    return 1


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "serve":
        return serve(Path(argv[1]))
    if len(argv) >= 3 and argv[0] == "wait-mail":
        return wait_mail(Path(argv[1]), float(argv[2]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
