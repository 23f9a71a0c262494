"""Bytes to text for playlist files: UTF-8 (with or without a byte order mark), UTF-16
when a byte order mark says so, and Windows-1252 for legacy M3U files only."""

from __future__ import annotations

import codecs

from sync_svc.sources.problems import invalid


def decode(data: bytes, *, legacy_fallback: bool = False) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise invalid(f"byte {exc.start}: the file is not valid UTF-16") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if legacy_fallback:
            # Plain .m3u predates UTF-8; players wrote it in the Windows code page.
            return data.decode("cp1252", errors="replace")
        raise invalid(f"byte {exc.start}: the file is not valid UTF-8") from None
