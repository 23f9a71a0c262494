"""Normalization: case and accent folding, artist credits, title cores and version markers.

Everything here is pure and deterministic; the index and the matcher apply the same
functions to both sides, so "Motörhead" meets "Motorhead", "AC/DC" meets "ACDC", "Hall &
Oates" meets "Daryl Hall and John Oates" and "Кино" meets "Kino".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from common.matching.romanize import roman

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
    "remix": re.compile(
        r"\b(remix|rmx|rework|dub|club mix|extended mix|(?!original )[a-z]+ mix)\b"
    ),
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
# Where a recording comes from, as streaming services append it: '- From "Frozen"',
# '(From the Motion Picture "X")', '(Original Motion Picture Soundtrack)', '(Love Theme
# from "Titanic")'. The same recording as the plain title.
_SOURCE = re.compile(
    r'^((love )?theme )?from\b.*("|soundtrack|motion picture|film|movie|series|musical)'
    r"|^(original )?(motion picture )?(soundtrack|score)( version)?$"
    r"|^(soundtrack|film|movie) version$"
)
# A track number left in the title by file-name tagging: "01 - ", "02. ", "1-03 ", "03 ".
_TRACK_NUMBER = re.compile(r"^(\d{1,2}\s*[-.]\s+|\d-\d{2}\s+|0\d\s+)(?=\S)")
# A leading number that may be a track number or part of the title ("12 Roses", "99
# Problems"): the matcher tries the title without it only when the whole title finds nothing.
_LEADING_NUMBER = re.compile(r"^\d{1,2}\s+(?=\D)")
_FEAT = re.compile(r"^(feat\.?|ft\.?|featuring|with)\s+(.+)$")
_INLINE_FEAT = re.compile(r"\s+(feat\.|ft\.|featuring)\s+.+$")
_TRAILING_GROUP = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]\s*$")
_DASH_SUFFIX = re.compile(r"\s+-\s+([^-]+)$")
_CREDIT_SPLIT = re.compile(
    r"\s*(?:,|;|&|\+|\bfeat\.?(?=\s)|\bft\.?(?=\s)|\bfeaturing\b|\bwith\b|\s+x\s+|\bvs\.?(?=\s)"
    r"|\s+and\s+|\s+/\s+)\s*",
    re.IGNORECASE,
)
# Joiners between names, dropped from a whole credit's key: "Tegan and Sara" = "Tegan &
# Sara", "Florence + the Machine" = "Florence and the Machine".
_JOINER_WORDS = re.compile(r"\s+(?:and|x)\s+")
# Album name suffixes of one release's editions: "(Deluxe Edition)", "[Expanded]",
# "(20th Anniversary)", " - Remastered", "(Original Motion Picture Soundtrack)".
_EDITION = re.compile(
    r"\b(deluxe|edition|expanded|bonus|anniversary|remaster(ed)?|reissue|special|"
    r"soundtrack|motion picture|version)\b"
)
_VARIOUS = {"various artists", "various", "va"}
_KANA_MARKS = "\u3099\u309a"


def fold(text: str) -> str:
    """Case- and accent-folded text: 'Beyoncé' -> 'beyonce', curly quotes straightened."""
    if text.isascii():  # nothing to translate or decompose: the same result, faster
        return text.lower()
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    # Accents go; kana voicing marks (U+3099, U+309A) stay, recomposed with their kana
    # (a different sound: "ビ" is not "ヒ"), as hangul syllables are.
    kept = "".join(ch for ch in text if not unicodedata.combining(ch) or ch in _KANA_MARKS)
    return unicodedata.normalize("NFC", kept).casefold()


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
    if _SOURCE.match(folded):
        return "neutral", None
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
    numbered = _TRACK_NUMBER.match(core)
    if numbered and any(c.isalpha() for c in core[numbered.end() :]):
        core = core[numbered.end() :]
    tags: set[str] = set()
    featured: list[str] = []
    for _ in range(6):
        # ``core`` ends in no space: a group must end it, and a suffix needs its dash.
        found = (core.endswith((")", "]")) and _TRAILING_GROUP.search(core)) or (
            "-" in core and _DASH_SUFFIX.search(core)
        )
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
    inline = ("feat" in core or "ft." in core) and _INLINE_FEAT.search(core)
    if inline and inline.start() > 0:
        featured.append(core[inline.start() :].strip().split(None, 1)[1])
        core = core[: inline.start()].rstrip()
    return ParsedTitle(core or title.strip(), frozenset(tags), tuple(featured))


_AMPERSAND = re.compile(r"\s*&\s*")
_AND_WORD = re.compile(r"\s+and\s+")


def title_variants(folded: str) -> tuple[str, ...]:
    """A folded core title and its spellings with "&" read "and" and with "and" dropped
    ("Smoke & Honey", "Smoke and Honey"): the index keeps titles as written, where "&"
    leaves no word, so a query tries each."""
    out = [folded]
    if "&" in folded:
        out.append(_AMPERSAND.sub(" and ", folded))
    if " and " in folded:
        out.append(_AND_WORD.sub(" ", folded))
    return tuple(dict.fromkeys(out))


def without_track_number(core: str) -> str:
    """A core title without a leading number ('12 Roses' -> 'Roses'), or '' when it has
    none or nothing with letters is left."""
    found = _LEADING_NUMBER.match(core)
    rest = core[found.end() :] if found else ""
    return rest if any(c.isalpha() for c in rest) else ""


def artist_key(name: str) -> str:
    """The key of one artist name, with a leading 'The' and joiners between names dropped
    ('The Beatles' = 'Beatles', 'Tegan and Sara' = 'Tegan & Sara')."""
    folded = fold(name).strip()
    if folded.startswith("the ") and len(folded) > 4:
        folded = folded[4:]
    return key(_JOINER_WORDS.sub(" ", folded))


def roman_key(text_key: str) -> str:
    """The romanized form of a key ('кино' -> 'kino'); the key itself when it is Latin."""
    if text_key.isascii():
        return text_key
    return key(roman(text_key)) or text_key


def album_key(album: str) -> str:
    """The key of an album name without its edition suffixes, romanized: 'Back to Black
    (Deluxe Edition)' = 'Back to Black', 'Рок-н-ролл' = 'Rok-n-roll'."""
    name = fold(album).strip()
    for _ in range(3):
        found = _TRAILING_GROUP.search(name) or _DASH_SUFFIX.search(name)
        if not found or found.start() == 0 or not _EDITION.search(found.group(1)):
            break
        name = name[: found.start()].rstrip()
    return roman_key(key(name))


def split_credit(credit: str) -> list[str]:
    """The names in one credit: 'A feat. B & C' -> ['A', 'B', 'C']."""
    return [part for part in (p.strip() for p in _CREDIT_SPLIT.split(credit)) if part]


def duo_aliases(credit: str) -> list[str]:
    """Keys a group of people credited by full names is also known by: their surnames
    ('Daryl Hall & John Oates' -> 'halloates') and their first names ('Sam Moore & Dave
    Prater' -> 'samdave')."""
    return _duo_aliases(split_credit(credit))


def _duo_aliases(names: list[str]) -> list[str]:
    parts = [words(fold(p)) for p in names]
    if not 2 <= len(parts) <= 4 or any(len(p) < 2 or p[0] == "the" for p in parts):
        return []
    return [key("".join(p[-1] for p in parts)), key("".join(p[0] for p in parts))]


@lru_cache(maxsize=4096)
def alias_keys(artists: tuple[str, ...]) -> frozenset[str]:
    """The duo aliases of ``artists`` (``duo_aliases`` of each credit): keys that find a
    credit written by surnames or first names, never another duo's alias ('Zoe Vale &
    Rosa Hart' and 'Saoirse Vale & Chloé Hart' share 'valehart' and nobody)."""
    return frozenset(a for c in artists if not is_various(c) for a in duo_aliases(c))


def is_various(name: str) -> bool:
    return fold(name).strip() in _VARIOUS


@dataclass(frozen=True, slots=True)
class CreditKeys:
    """What one credit adds to ``artist_keys``: the keys of the credit and of each name in
    it, their romanized forms, and the keys of the credit whole (romanized, duo aliases)."""

    names: tuple[str, ...]
    romans: tuple[str, ...]
    whole: tuple[str, ...]


_NO_KEYS = CreditKeys((), (), ())


def credit_parts(credit: str) -> CreditKeys:
    """The keys ``credit`` adds to the artist keys of any credits it is one of, so that
    an index computes them once per credit, not once per combination of credits."""
    if not credit.strip() or is_various(credit):
        return _NO_KEYS
    split = split_credit(credit)
    keys = [artist_key(name) for name in (credit, *split)]
    names = tuple(k for k in keys if k)
    whole = keys[0]
    return CreditKeys(
        names=names,
        romans=tuple(roman_key(k) for k in names),
        whole=(whole, roman_key(whole), *_duo_aliases(split)),
    )


def merged_artist_keys(parts: Sequence[CreditKeys]) -> tuple[str, ...]:
    """``artist_keys`` of the credits whose parts are ``parts``, in order."""
    out = [k for p in parts for k in p.names]
    out += [k for p in parts for k in p.romans]
    out += [k for p in parts for k in p.whole]
    return tuple(dict.fromkeys(k for k in out if k))


@lru_cache(maxsize=65536)
def artist_keys(artists: tuple[str, ...]) -> tuple[str, ...]:
    """Every key the credits in ``artists`` can be found under: each whole credit
    ('Simon & Garfunkel') and each name in it, primary first, without duplicates or
    'Various Artists'."""
    return merged_artist_keys([credit_parts(credit) for credit in artists])


@lru_cache(maxsize=4096)
def credit_keys(artists: tuple[str, ...]) -> tuple[str, ...]:
    """The keys of whole credits only, romanized: what a name may be *similar* to. A
    single name out of a longer credit ('Nakamura' of 'Nakamura & Brakhage') counts only
    when it is found exactly: close to 'Mia Nakamura' it is not; so does a duo's alias
    ('elifava' of 'Elif Stone & Ava Dubois' is not 'eliava'). (Cached for queries;
    indexing goes through artist_keys' own cache.)"""
    return tuple(_credit_keys(artists))


def _credit_keys(artists: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for credit in artists:
        if credit.strip() and not is_various(credit):
            whole = artist_key(credit)
            out += [whole, roman_key(whole)]
    return list(dict.fromkeys(k for k in out if k))


@lru_cache(maxsize=4096)
def primary_artist_keys(artists: tuple[str, ...]) -> tuple[str, ...]:
    """The keys naming the primary artist: the first credit whole, and its first name."""
    for credit in artists:
        if credit.strip() and not is_various(credit):
            parts = split_credit(credit)
            keys = [artist_key(credit)] + ([artist_key(parts[0])] if parts else [])
            keys += [roman_key(k) for k in keys] + duo_aliases(credit)
            return tuple(dict.fromkeys(k for k in keys if k))
    return ()
