"""What a process holds open, read from /proc (no extra tools)."""

from __future__ import annotations

import os
from pathlib import Path


def listening_ports(pid: int | str = "self") -> set[int]:
    """TCP ports in LISTEN state owned by process *pid* (this one by default).

    The process's socket inodes (from /proc/PID/fd) are matched against its /proc/PID/net/tcp and tcp6 tables.
    """
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for row in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            cols = row.split()
            if cols[3] == "0A" and cols[9] in inodes:
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports
