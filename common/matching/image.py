"""A sealed TrackIndex as one byte string and back: its columns, arrays and postings are
written as raw buffers behind a small header, so a stored generation loads with a few
memory copies instead of normalizing every track again.

The header names the format version; a reader refuses any other version, a foreign byte
order, a truncated image or one whose track count disagrees with its columns.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from array import array

from common.matching.columns import (
    PostingTable,
    SharedStringColumn,
    StringColumn,
    grouped_table,
)
from common.matching.index import Interned, TrackIndex
from common.matching.normalize import roman_key

# 2: artist MBIDs, romanized and alias keys, edition-folded album keys. 3: file path keys.
# 4: a posting table whose keys are shared by many tracks is stored grouped (each key
# once, with where its positions start) instead of a hash per posting; album titles and
# album artists as ids of distinct values.
FORMAT_VERSION = 4
# The formats this version reads: a format 2 image reads as one without paths (its path
# table empty), served as it is until the next build, which is a full one. Format 2 and 3
# tables are flat: served as they are (larger) until the next build.
READABLE_FORMATS = (2, 3, 4)
_MAGIC = b"CMDARRIX"
_PREFIX = struct.Struct("<8sHI")  # magic, format version, header length

_COLUMNS = (
    "item_ids",
    "titles",
    "artists",
    "album_artists",
    "albums",
    "mbids",
    "artist_mbids",
    "core_words",
)
_ARRAYS = (
    "libraries",
    "durations",
    "updated",
    "tag_ids",
    "album_key_ids",
    "artist_starts",
    "artist_ids",
)
_TABLES = (
    "by_mbid_table",
    "exact_table",
    "token_table",
    "artist_table",
    "album_table",
    "path_table",
)
_INTERNED = ("library_names", "tag_sets", "album_keys", "artist_names")


class ImageError(Exception):
    """An index image that cannot be read whole; the message says why."""


def checksum(image: bytes) -> str:
    return hashlib.blake2b(image, digest_size=16).hexdigest()


def _strings(values: list[str]) -> StringColumn:
    column = StringColumn()
    for value in values:
        column.append(value)
    return column


def encode(index: TrackIndex) -> bytes:
    """The image of ``index`` (sealed first)."""
    index.seal()
    sections: list[tuple[str, str, bytes]] = []

    def column(name: str, value: StringColumn | SharedStringColumn) -> None:
        if isinstance(value, SharedStringColumn):
            sections.append((f"{name}.ids", value.ids.typecode, value.ids.tobytes()))
            name, value = f"{name}.values", value.values
        buffer, offsets = value.parts()
        sections.append((f"{name}.buffer", "B", buffer))
        sections.append((f"{name}.offsets", offsets.typecode, offsets.tobytes()))

    for name in _COLUMNS:
        column(name, getattr(index, name))
    column("core_keys", _strings(index.core_keys))
    for name in _INTERNED:
        column(name, _strings(getattr(index, name).values))
    for name in _ARRAYS:
        values: array[int] = getattr(index, name)
        sections.append((name, values.typecode, values.tobytes()))
    for name in _TABLES:
        table: PostingTable = getattr(index, name)
        grouped = table.grouped_parts()
        if grouped is not None:
            for part, values in zip(("keys", "starts", "positions"), grouped, strict=True):
                sections.append((f"{name}.{part}", values.typecode, values.tobytes()))
            continue
        hashes, positions = table.parts()
        sections.append((f"{name}.hashes", hashes.typecode, hashes.tobytes()))
        sections.append((f"{name}.positions", positions.typecode, positions.tobytes()))
    header = json.dumps(
        {
            "byteorder": sys.byteorder,
            "tracks": len(index),
            "sections": [[name, code, len(data)] for name, code, data in sections],
        }
    ).encode()
    return b"".join(
        [_PREFIX.pack(_MAGIC, FORMAT_VERSION, len(header)), header, *(d for _, _, d in sections)]
    )


def image_version(image: bytes) -> int:
    """The format version an image was written in (0 when it is not an index image)."""
    if len(image) < _PREFIX.size:
        return 0
    magic, version, _ = _PREFIX.unpack_from(image)
    return int(version) if magic == _MAGIC else 0


def decode(image: bytes) -> TrackIndex:
    """The index an image holds; ImageError when it cannot be read whole."""
    version = image_version(image)
    if version not in READABLE_FORMATS:
        raise ImageError(f"index format {version}, this version reads {FORMAT_VERSION}")
    _, _, header_length = _PREFIX.unpack_from(image)
    start = _PREFIX.size + header_length
    try:
        header = json.loads(image[_PREFIX.size : start])
    except ValueError as exc:
        raise ImageError(f"unreadable index header: {exc}") from None
    if header["byteorder"] != sys.byteorder:
        raise ImageError(f"index written {header['byteorder']}-endian")
    data = memoryview(image)
    parts: dict[str, array[int] | bytes] = {}
    for name, code, length in header["sections"]:
        chunk = data[start : start + length]
        if len(chunk) != length:
            raise ImageError(f"index image truncated in {name}")
        if code == "B":
            parts[name] = bytes(chunk)
        else:
            values: array[int] = array(code)
            values.frombytes(chunk)
            parts[name] = values
        start += length
    if start != len(image):
        raise ImageError("index image has trailing bytes")
    try:
        index = _assemble(parts)
    except (KeyError, TypeError, IndexError, UnicodeDecodeError) as exc:
        raise ImageError(f"inconsistent index image: {exc!r}") from None
    if len(index) != header["tracks"]:
        raise ImageError(
            f"index image holds {len(index)} tracks, its header says {header['tracks']}"
        )
    return index


def _shared_or_plain(
    parts: dict[str, array[int] | bytes], name: str
) -> StringColumn | SharedStringColumn:
    """A column stored shared (format 4: ids and distinct values), else plain."""
    if f"{name}.ids" not in parts:
        return _column(parts, name)
    ids, values = _array(parts, f"{name}.ids"), _column(parts, f"{name}.values")
    if ids and max(ids) >= len(values):
        raise IndexError(f"{name}: ids past its values")
    return SharedStringColumn(ids, values)


def _column(parts: dict[str, array[int] | bytes], name: str) -> StringColumn:
    buffer, offsets = parts[f"{name}.buffer"], parts[f"{name}.offsets"]
    if not isinstance(buffer, bytes) or not isinstance(offsets, array):
        raise TypeError(name)
    if offsets[-1] != len(buffer):
        raise IndexError(f"{name}: offsets past its buffer")
    return StringColumn(buffer, offsets)


def _array(parts: dict[str, array[int] | bytes], name: str) -> array[int]:
    values = parts[name]
    if not isinstance(values, array):
        raise TypeError(name)
    return values


def _assemble(parts: dict[str, array[int] | bytes]) -> TrackIndex:
    index = TrackIndex()
    for name in _COLUMNS:
        setattr(index, name, _shared_or_plain(parts, name))
    core = _column(parts, "core_keys")
    shared: dict[str, str] = {}  # one string for equal core keys, as when indexed
    index.core_keys = [shared.setdefault(k, k) for k in map(core.get, range(len(core)))]
    # Romanized keys are derived, not stored: Latin ones are the core key itself.
    index.roman_core_keys = [roman_key(k) if not k.isascii() else k for k in index.core_keys]
    for name in _INTERNED:
        column = _column(parts, name)
        setattr(index, name, Interned(column.get(i) for i in range(len(column))))
    for name in _ARRAYS:
        setattr(index, name, _array(parts, name))
    for name in _TABLES:
        if name == "path_table" and f"{name}.positions" not in parts:
            continue  # format 2: no paths, the table stays empty
        positions = _array(parts, f"{name}.positions")
        if f"{name}.keys" in parts:
            table = grouped_table(
                _array(parts, f"{name}.keys"), _array(parts, f"{name}.starts"), positions
            )
        else:
            table = PostingTable(_array(parts, f"{name}.hashes"), positions)
        setattr(index, name, table)
    count = len(index.core_keys)
    lengths = [len(getattr(index, n)) for n in _COLUMNS] + [
        len(getattr(index, n)) for n in _ARRAYS[:5]
    ]
    if any(n != count for n in lengths) or len(index.artist_starts) != count + 1:
        raise IndexError("columns of different lengths")
    return index
