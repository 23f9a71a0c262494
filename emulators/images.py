"""Images as the emulators serve them: the type of uploaded bytes, and a generated picture
where a real server would render one (Plex's playlist mosaic)."""

from __future__ import annotations

import hashlib
import struct
import zlib


def image_media_type(data: bytes) -> str:
    """The Content-Type of an image by its first bytes, as a server serves a stored file."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def mosaic_png(seed: str, size: int = 8) -> bytes:
    """A small valid PNG, one colour per quarter drawn from ``seed``: the same seed, the
    same bytes."""
    colours = hashlib.sha256(seed.encode()).digest()[:12]
    half = size // 2
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            quarter = (y >= half) * 2 + (x >= half)
            row += colours[quarter * 3 : quarter * 3 + 3]
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + _chunk(b"IEND", b"")
    )
