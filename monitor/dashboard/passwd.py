"""Prints a password hash for `dashboard.users[].password_hash`: python -m monitor.dashboard.passwd."""

from __future__ import annotations

import getpass
import sys

from monitor.dashboard.auth import hash_password


def main() -> int:
    password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass("Password: ")
    if len(password) < 10:
        print("error: use at least 10 characters", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
