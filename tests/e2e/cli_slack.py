"""Runs the deportwatch CLI with Apprise's Slack plugin pointed at a loopback receiver: cli_slack.py URL ARGS…"""

import sys

from monitor.cli import app
from monitor.loopback import slack_endpoint

if __name__ == "__main__":
    with slack_endpoint(sys.argv[1]):
        app(args=sys.argv[2:])
