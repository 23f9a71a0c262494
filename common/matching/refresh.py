"""An incremental refresh of an index: the previous index's tracks less those gone or
changed, plus the changed ones. The kept tracks are copied column by column, in runs, with
their derived keys and postings, so a refresh normalizes only the tracks that changed
instead of the whole library again."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence

from common.matching.columns import PostingTable, SharedStringColumn, StringColumn
from common.matching.index import Interned, TrackIndex, unsigned32
from common.matching.query import LibraryTrack

# Arrays that hold a variable number of entries per position, as slices by offsets.
_SLICED = ("artist_starts", "artist_ids")
_FILLING_ONLY = "_core_keys"  # an Interned used while filling, reset by seal


def runs(positions: Sequence[int]) -> list[tuple[int, int]]:
    """Ascending positions as half-open runs of consecutive ones: [0,1,2,5] -> (0,3),(5,6)."""
    out: list[tuple[int, int]] = []
    for p in positions:
        if out and out[-1][1] == p:
            out[-1] = (out[-1][0], p + 1)
        else:
            out.append((p, p + 1))
    return out


def refreshed(
    previous: TrackIndex, keep: Sequence[int], added: Iterable[LibraryTrack]
) -> TrackIndex:
    """The index ``TrackIndex([previous.track(p) for p in keep] + list(added))`` would
    build, in the same positions, without deriving the kept tracks again (and keeping
    their path keys, which a track read back does not carry). ``keep`` is
    ascending. ``previous`` is only read."""
    spans = runs(keep)
    index = TrackIndex()
    count = len(previous)
    moved = array("q", [-1]) * count
    for new_position, old_position in enumerate(keep):
        moved[old_position] = new_position
    # Every column by its kind, so a column added to the index is carried without a change
    # here (the unit test checks that none is left behind).
    for name, value in vars(previous).items():
        if isinstance(value, StringColumn):
            setattr(index, name, _copied(value, spans))
        elif isinstance(value, SharedStringColumn):
            # The distinct values are copied whole (few), the kept positions' ids in runs.
            ids: array[int] = array("I")
            for a, b in spans:
                ids.extend(value.ids[a:b])
            buffer, offsets = value.values.parts()
            values = StringColumn(buffer, array("I", offsets))
            setattr(index, name, SharedStringColumn(ids, values))
        elif isinstance(value, PostingTable):
            setattr(index, name, value.moved(moved))
        elif isinstance(value, Interned) and name != _FILLING_ONLY:
            # Copied whole, so the ids the arrays hold keep their meaning.
            setattr(index, name, Interned(value.values))
        elif isinstance(value, array | list) and name not in _SLICED and len(value) == count:
            target = getattr(index, name)
            for a, b in spans:
                part = value[a:b]
                # An older image's 64-bit durations and dates go into 32-bit columns.
                same = not isinstance(part, array) or part.typecode == target.typecode
                target.extend(part if same else unsigned32(part))
    starts, ids = previous.artist_starts, previous.artist_ids
    for a, b in spans:
        base = len(index.artist_ids) - starts[a]
        index.artist_ids.extend(ids[starts[a] : starts[b]])
        index.artist_starts.extend(s + base for s in starts[a + 1 : b + 1])
    index.add_many(added)
    index.seal()
    return index


def _copied(column: StringColumn, spans: list[tuple[int, int]]) -> StringColumn:
    buffer, offsets = column.parts()
    out_buffer, out_offsets = bytearray(), array("I", [0])
    for a, b in spans:
        start = offsets[a]
        base = len(out_buffer) - start
        out_buffer += buffer[start : offsets[b]]
        out_offsets.extend(o + base for o in offsets[a + 1 : b + 1])
    return StringColumn(bytes(out_buffer), out_offsets)
