"""Stand-in static server when nginx is missing: threaded, with ETag/Last-Modified, 304s and an access log."""

from __future__ import annotations

import email.utils
import os
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_log_lock = threading.Lock()


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_path = ""
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map,  # noqa: RUF012 -- the base class's own attribute
                      ".rss": "application/rss+xml", ".atom": "application/atom+xml",
                      ".html": "text/html; charset=utf-8"}

    def send_head(self) -> Any:
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        if os.path.isfile(path):
            st = os.stat(path)
            etag = f'"{int(st.st_mtime):x}-{st.st_size:x}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self._record(304, 0)
                return None
            self._etag: str | None = etag
        return super().send_head()

    def end_headers(self) -> None:
        etag = getattr(self, "_etag", None)
        if etag:
            self.send_header("ETag", etag)
            self._etag = None
        super().end_headers()

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        if code != 304:
            path = self.translate_path(self.path)
            path = os.path.join(path, "index.html") if os.path.isdir(path) else path
            self._record(int(code), os.path.getsize(path) if int(code) == 200 and os.path.isfile(path) else 0)

    def _record(self, status: int, size: int) -> None:
        with _log_lock, open(self.log_path, "a") as f:
            f.write(f"{time.time():.3f} {status} {size} {self.path}\n")


def main(root: str, port: int, log_path: str) -> None:
    Handler.log_path = log_path
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(Handler, directory=root))
    server.daemon_threads = True
    print(email.utils.formatdate(usegmt=True), "serving", root, file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
