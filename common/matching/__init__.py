"""Track matching shared by the library cache and the live fallback (docs/ARCHITECTURE.md)."""

from common.matching.index import TrackIndex
from common.matching.matcher import match_track
from common.matching.query import LibraryTrack, Match, MatchMethod, Query

__all__ = ["LibraryTrack", "Match", "MatchMethod", "Query", "TrackIndex", "match_track"]
