"""Whether a stored generation's index image is the whole generation its target row
describes: its format, its checksum and its track count. Pure, and CPU-bound (the
checksum and the decoding): the manager calls it in a worker thread."""

from __future__ import annotations

from cache_svc.store import CacheRow
from common.matching import TrackIndex
from common.matching.image import (
    FORMAT_VERSION,
    READABLE_FORMATS,
    ImageError,
    checksum,
    decode,
    image_version,
)


def read_image(image: bytes, row: CacheRow) -> TrackIndex:
    """The index of ``image`` when it is the generation ``row`` describes; ImageError
    naming the first disagreement otherwise."""
    if row.format_version not in READABLE_FORMATS:
        raise ImageError(
            f"its index format is {row.format_version}, this version reads {FORMAT_VERSION}"
        )
    if not image:
        raise ImageError("no index image is stored for it")
    if image_version(image) != row.format_version:
        raise ImageError(f"its image has format {image_version(image)}, not {row.format_version}")
    if checksum(image) != row.checksum:
        raise ImageError("its image checksum disagrees with the one stored at activation")
    index = decode(image)
    if len(index) != row.track_count:
        raise ImageError(f"its image holds {len(index):,} tracks, not {row.track_count:,}")
    return index
