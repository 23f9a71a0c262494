"""The HTTP servers' listening sockets (the gateway's, and the emulators' through the same
``listening_socket``) give connections with TCP_NODELAY set.

asyncio sets TCP_NODELAY on an accepted connection only when the listening socket names
its protocol (IPPROTO_TCP). Without it, Nagle's algorithm held each answer on a kept-alive
connection until the client's delayed ACK, about 40 ms a request to the gateway and to the
emulators. Checked on the connection the server accepts, not by timing it.
"""

from __future__ import annotations

import asyncio
import socket

from common.runtime.tcp import listening_socket
from gateway.app import _bind


async def accepted_nodelay(sock: socket.socket) -> int:
    """TCP_NODELAY of the first connection an asyncio server on ``sock`` accepts."""
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted: socket.socket = writer.get_extra_info("socket")
        seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accept, sock=sock)
    async with server:
        port = sock.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(seen, timeout=10)
        finally:
            writer.close()


async def test_a_listening_socket_gives_connections_without_nagle() -> None:
    sock = listening_socket("127.0.0.1", 0)
    assert sock.proto == socket.IPPROTO_TCP
    assert await accepted_nodelay(sock) == 1


async def test_the_gateway_binds_through_it() -> None:
    assert await accepted_nodelay(_bind("127.0.0.1:0")) == 1
