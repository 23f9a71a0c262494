"""Loopback ports for servers a test must name before they start (an address another
service is told first, a child process's port).

A port the kernel hands out for port 0 is in its ephemeral range, the range it also takes
the local ports of outgoing connections from: between a test's probe and the server's
bind, any socket of this process, of another pytest-xdist worker or of anything else on
the machine may be given it ("address already in use"). Ports below that range are never
handed out that way; each pick is random (the workers pick independently) and checked
free by binding it."""

from __future__ import annotations

import random
import socket
from pathlib import Path

LOWEST = 10_000
RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def ephemeral_start() -> int:
    """The first port of the kernel's ephemeral range (Linux's default where unreadable)."""
    try:
        return int(RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def free_port() -> int:
    """A loopback port below the ephemeral range, free at the moment of asking."""
    top = ephemeral_start()
    if top <= LOWEST + 1_000:  # no room below the range: the kernel's choice, as before
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])
    for _ in range(200):
        port = random.randrange(LOWEST, top)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free loopback port in {LOWEST}-{top - 1}")
