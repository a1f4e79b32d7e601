"""The command line of the deportwatch CLI with Slack pointed at a loopback webhook receiver."""

from __future__ import annotations

import sys
from pathlib import Path

CLI_SLACK = Path(__file__).resolve().parents[1] / "e2e" / "cli_slack.py"


def slack_cli(hook_url: str, *args: str) -> list[str]:
    """`deportwatch ARGS` run by tests/e2e/cli_slack.py, which sends Slack's posts to `hook_url`."""
    return [sys.executable, str(CLI_SLACK), hook_url, *args]
