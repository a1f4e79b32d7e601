"""Runs many `deportwatch` command lines in one process: run_cli.py '[{"args": [...], "env": {...}}, ...]'.

Prints one JSON object per run: exit code, stdout, stderr, and any exception that escaped the CLI as
a formatted traceback (what a user would have seen).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from monitor.cli import app
from monitor.config import load_config
from monitor.errors import DeportwatchError


def run(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    saved = dict(os.environ)
    os.environ.update(env)
    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    escaped = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                app(args=args)
            except SystemExit as e:
                code = e.code
    except Exception:
        escaped = traceback.format_exc()
        code = 1
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if escaped is None and "Traceback (most recent call last)" in err.getvalue():
        escaped = err.getvalue()
    return {"args": args, "code": code if isinstance(code, int) else 1, "stdout": out.getvalue(),
            "stderr": err.getvalue(), "traceback": escaped}


def valid_config(args: list[str]) -> bool:
    """True when `args` name a config file that loads: `run` would then start a daemon that never returns."""
    path = Path(args[args.index("--config") + 1]) if "--config" in args else None
    if path is None:
        return False
    try:
        load_config(path)
    except (DeportwatchError, ValueError):
        return False
    return True


def main() -> None:
    for case in json.loads(sys.argv[1]):
        args = case["args"]
        if args[0] == "run" and valid_config(args):
            print(json.dumps({"args": args, "code": 0, "stdout": "", "stderr": "not run: the config is valid",
                              "traceback": None}), flush=True)
            continue
        print(json.dumps(run(args, case.get("env", {}))), flush=True)


if __name__ == "__main__":
    main()
