"""Listening TCP sockets for the HTTP servers (the gateway's page and API, the emulators)."""

from __future__ import annotations

import socket


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (0: any free port), ready to hand to a server.

    The protocol is named (IPPROTO_TCP), not left 0: asyncio sets TCP_NODELAY only on the
    connections of such a socket (``base_events._set_nodelay`` checks ``proto``), and
    without it Nagle's algorithm held each answer on a kept-alive connection until the
    client's delayed ACK, about 40 ms a request. Raises OSError when the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock
