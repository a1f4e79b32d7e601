"""Container health probe: exits 0 when the daemon's /healthz answers 200 on this host."""

from __future__ import annotations

import os
import sys
import urllib.request


def main() -> int:
    port = os.environ.get("DEPORTWATCH_WEB_PORT", "8080")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as resp:
            return 0 if resp.status == 200 else 1
    except OSError as e:  # refused, timed out, or an HTTP error status
        print(f"unhealthy: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
