"""Normalization: case and accent folding, artist credits, title cores and version markers.

Everything here is pure and deterministic; the index and the matcher apply the same
functions to both sides, so "Motörhead" meets "Motorhead" and "AC/DC" meets "ACDC".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_FOLD = str.maketrans(
    {
        "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ß": "ss",
        "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "\u0131": "i",
        "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
        "\u2010": "-", "\u2013": "-", "\u2014": "-", "\uff06": "&",
    }
)  # fmt: skip

_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")

# Version markers that make a different recording: kept as tags, never stripped silently.
DISTINCT_MARKERS: dict[str, re.Pattern[str]] = {
    "live": re.compile(r"\b(live|unplugged|in concert)\b"),
    "remix": re.compile(r"\b(remix|rmx|rework|dub|club mix|extended mix|[a-z]+ mix)\b"),
    "acoustic": re.compile(r"\bacoustic\b"),
    "instrumental": re.compile(r"\binstrumental\b"),
    "demo": re.compile(r"\bdemo\b"),
    "karaoke": re.compile(r"\bkaraoke\b"),
}
# Markers of the same recording, dropped from the core title.
_NEUTRAL = re.compile(
    r"^(\d{4}\s*)?(digital(ly)?\s*)?(re-?master(ed)?|radio edit|edit|single version|album "
    r"version|original version|mono|stereo|explicit|clean|deluxe( edition)?|bonus track|"
    r"original mix|version)(\s*\d{4})?(\s*version)?$|^\d{4}$"
)
_FEAT = re.compile(r"^(feat\.?|ft\.?|featuring|with)\s+(.+)$")
_INLINE_FEAT = re.compile(r"\s+(feat\.|ft\.|featuring)\s+.+$")
_TRAILING_GROUP = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]\s*$")
_DASH_SUFFIX = re.compile(r"\s+-\s+([^-]+)$")
_CREDIT_SPLIT = re.compile(
    r"\s*(?:,|;|&|\+|\bfeat\.?(?=\s)|\bft\.?(?=\s)|\bfeaturing\b|\bwith\b|\s+x\s+|\bvs\.?(?=\s))\s*"
)
_VARIOUS = {"various artists", "various", "va"}


def fold(text: str) -> str:
    """Case- and accent-folded text: 'Beyoncé' -> 'beyonce', curly quotes straightened."""
    if text.isascii():  # nothing to translate or decompose: the same result, faster
        return text.lower()
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    """The words of folded text (letters and digits of any script)."""
    return _WORD.findall(text)


def key(text: str) -> str:
    """A comparison key: folded, punctuation and spaces removed ('AC/DC' -> 'acdc').
    Symbol-only text keeps its symbols so that '!!!' still has a key."""
    folded = fold(text)
    joined = "".join(words(folded))
    return joined or "".join(folded.split())


def tokens(text: str) -> set[str]:
    """Index tokens of a text: its words, plus character pairs for CJK runs (which have
    no spaces between words)."""
    out: set[str] = set()
    for word in words(fold(text)):
        out.add(word)
        if _CJK.search(word) and len(word) > 2:
            out.update(word[i : i + 2] for i in range(len(word) - 1))
    if not out:
        out.add(key(text))
    return out


@dataclass(frozen=True, slots=True)
class ParsedTitle:
    core: str  # the title without version markers and featured credits, as written
    tags: frozenset[str]  # distinct-version markers: live, remix, acoustic, ...
    featured: tuple[str, ...]  # artists credited in the title ("feat. X")


def _classify(segment: str) -> tuple[str, str | None] | None:
    """What a trailing segment is: ('feat', names), ('tag', name), ('neutral', None),
    or None when it is part of the title."""
    folded = fold(segment).strip()
    feat = _FEAT.match(folded)
    if feat:
        return "feat", segment.strip()[len(feat.group(1)) :].strip()
    for tag, pattern in DISTINCT_MARKERS.items():
        if pattern.search(folded):
            return "tag", tag
    if _NEUTRAL.match(folded):
        return "neutral", None
    return None


@lru_cache(maxsize=65536)
def parse_title(title: str) -> ParsedTitle:
    """Split a title into its core, its version tags and its featured artists, never
    cutting inside a word: only whole bracketed groups and ' - ' suffixes are removed."""
    core = title.strip()
    tags: set[str] = set()
    featured: list[str] = []
    for _ in range(6):
        found = _TRAILING_GROUP.search(core) or _DASH_SUFFIX.search(core)
        if not found or found.start() == 0:
            break
        kind = _classify(found.group(1))
        if kind is None:
            break
        if kind[0] == "feat" and kind[1]:
            featured.append(kind[1])
        elif kind[0] == "tag" and kind[1]:
            tags.add(kind[1])
        core = core[: found.start()].rstrip()
    inline = _INLINE_FEAT.search(core)
    if inline and inline.start() > 0:
        featured.append(core[inline.start() :].strip().split(None, 1)[1])
        core = core[: inline.start()].rstrip()
    return ParsedTitle(core or title.strip(), frozenset(tags), tuple(featured))


def artist_key(name: str) -> str:
    """The key of one artist name, with a leading 'The' dropped ('The Beatles' = 'Beatles')."""
    folded = fold(name).strip()
    if folded.startswith("the ") and len(folded) > 4:
        folded = folded[4:]
    return key(folded)


def split_credit(credit: str) -> list[str]:
    """The names in one credit: 'A feat. B & C' -> ['A', 'B', 'C']."""
    return [part for part in (p.strip() for p in _CREDIT_SPLIT.split(credit)) if part]


def is_various(name: str) -> bool:
    return fold(name).strip() in _VARIOUS


@lru_cache(maxsize=65536)
def artist_keys(artists: tuple[str, ...]) -> tuple[str, ...]:
    """Every key the credits in ``artists`` can be found under: each whole credit
    ('Simon & Garfunkel') and each name in it, primary first, without duplicates or
    'Various Artists'."""
    out: list[str] = []
    for credit in artists:
        if not credit.strip() or is_various(credit):
            continue
        for name in (credit, *split_credit(credit)):
            k = artist_key(name)
            if k and k not in out:
                out.append(k)
    return tuple(out)


def primary_artist_keys(artists: tuple[str, ...]) -> tuple[str, ...]:
    """The keys naming the primary artist: the first credit whole, and its first name."""
    for credit in artists:
        if credit.strip() and not is_various(credit):
            parts = split_credit(credit)
            keys = [artist_key(credit)] + ([artist_key(parts[0])] if parts else [])
            return tuple(dict.fromkeys(k for k in keys if k))
    return ()
