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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from monitor.demo import local_mail_url
from monitor.loopback import SmtpSink
from monitor.newssite import NewsSite, SiteArticle, demo_articles


def fresh_development() -> SiteArticle:
    """Today's report of a deal that no shipped history knows, so the daemon must alert on it."""
    return SiteArticle(
        slug="mongolia-agrees-to-receive-deportees-from-us",
        outlet="wirewatch",
        title="Mongolia agrees to receive up to 40 deportees from the United States",
        paragraphs=(
            "Mongolia has agreed to receive up to 40 third-country nationals deported from the United States, "
            "the foreign ministry in Ulaanbaatar said on Monday.",
            "The agreement covers people whose own countries refuse to take them back, officials said. The "
            "Department of Homeland Security confirmed the arrangement and said the first removals could begin "
            "within weeks.",
            "Rights groups criticised the deal, saying deportees would be sent to a country where they have no "
            "ties, no legal status and no support network.",
        ),
        published=datetime.now(UTC) - timedelta(hours=1),
    )


def serve(folder: Path) -> int:
    first, _ = demo_articles()
    site = NewsSite([*first, fresh_development()])
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
