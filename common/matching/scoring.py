"""Scoring one candidate against one query, part by part (artist, title, album, duration,
version tags): what the matcher's fuzzy step ranks by and what ``explain`` shows.

Pure: a Probe (the query, normalized once) and an Entry (an indexed track) in, Parts
out. Leniency is bounded: a name or title word counts as mistyped only when it is one
edit (insert, delete, substitute, transpose) from the candidate's and is not itself a
word or name the library knows, so "Fier" finds "Fire" while "Wire" stays another song.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from common.matching.index import Entry
from common.matching.normalize import (
    ParsedTitle,
    alias_keys,
    artist_keys,
    credit_keys,
    fold,
    key,
    roman_key,
    title_variants,
    words,
)
from common.matching.query import Query
from common.matching.romanize import roman

# Title, album and duration agreeing this closely name the recording even when the artist
# names, written in another script, cannot be compared: the duration within this many ms.
CORROBORATING_DURATION_MS = 2000
CORROBORATED_TITLE = 0.9
# An artist at or above this agrees: the title alone decides.
ARTIST_AGREES = 0.9
TYPO_ARTIST = 0.95  # one edit from a name the library has, itself unknown to it
TYPO_TITLE = 0.92  # one edit from the candidate's title, in words the library lacks
TYPO_MIN_LENGTH = 4  # shorter keys are too short to tell a typo from another word
# Names merely similar (not the same key, not a typo) never agree: "Theo Hart" is not
# "Leo Hart". Their similarity, at most this, still ranks the candidates of a miss.
SIMILAR_ARTIST_CAP = 0.8
SAME_ALBUM_BONUS = 0.02
CLOSE_DURATION_MS = 3000
CLOSE_DURATION_BONUS = 0.02
OTHER_VERSION_FACTOR = 0.6
VETOED_CAP = 0.5
UNMATCHED_WORD_FACTOR = 0.8
_NO_TAGS: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Probe:
    """What one query compares, computed once."""

    core_key: str
    roman_key: str  # the core key romanized (the same when Latin)
    words: tuple[str, ...]
    roman_words: tuple[str, ...]
    # The core key and words with "&" read "and" and with "and" dropped ("Smoke & Honey",
    # "Smoke and Honey"): each is compared, the best counts.
    variants: tuple[tuple[str, tuple[str, ...]], ...]
    artists: tuple[str, ...]  # artist keys, aliases and romanized forms included
    aliases: frozenset[str]  # the keys of ``artists`` that are duo aliases
    credits: tuple[str, ...]  # the keys of whole credits (compared fuzzily)
    artist_mbids: frozenset[str]
    album_key: str
    tags: frozenset[str]
    # Title words that may be merely close to a candidate's: those the library has nowhere
    # (maybe typos) and short ones ("i" for "in").
    unknown_words: frozenset[str]
    unknown_credits: frozenset[str]  # credit keys the library has nowhere: maybe typos


def make_probe(
    query: Query,
    parsed: ParsedTitle,
    album: str,
    knows_word: Callable[[str], bool],
    knows_artist: Callable[[str], bool],
) -> Probe:
    """The query's probe; ``knows_word`` and ``knows_artist`` ask the library."""
    folded = fold(parsed.core)
    names = tuple(a for a in query.artists if a.strip()) + parsed.featured
    variants = tuple((key(text), tuple(words(text))) for text in title_variants(folded))
    core_key, core_words = variants[0]
    whole = credit_keys(names)
    keys = artist_keys(names)
    return Probe(
        core_key=core_key,
        roman_key=roman_key(core_key),
        words=core_words,
        roman_words=tuple(words(roman(folded))),
        variants=variants,
        artists=keys,
        aliases=alias_keys(names),
        credits=whole,
        artist_mbids=frozenset(m.strip().lower() for m in query.artist_mbids if m.strip()),
        album_key=album,
        tags=parsed.tags,
        unknown_words=frozenset(
            w for v in variants for w in v[1] if len(w) < TYPO_MIN_LENGTH or not knows_word(w)
        ),
        unknown_credits=frozenset(c for c in whole if not knows_artist(c)),
    )


def one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by one insertion, deletion, substitution or transposition,
    and both are long enough for that to be a typo."""
    if min(len(a), len(b)) < TYPO_MIN_LENGTH or abs(len(a) - len(b)) > 1:
        return False
    return a != b and OSA.distance(a, b, score_cutoff=1) <= 1


def _close(word: str, other: str) -> bool:
    return (
        other.startswith(word)
        or word.startswith(other)
        or other.endswith(word)
        or word.endswith(other)
        or fuzz.ratio(word, other) >= 75
    )


def _unmatched(a: tuple[str, ...], b: tuple[str, ...], loose: Collection[str] | None) -> int:
    """Words of ``a`` with no counterpart in ``b``: the same word, or a close one when
    either is ``loose`` (None: every word is)."""
    present = set(b)
    missing = 0
    for w in a:
        if w in present:
            continue
        if not any((loose is None or w in loose or o in loose) and _close(w, o) for o in b):
            missing += 1
    return missing


def unmatched_words(
    a: tuple[str, ...], b: tuple[str, ...], loose: Collection[str] | None = None
) -> int:
    """Words of one title with no counterpart in the other ('Part II' added to a title
    makes another song; a typo inside a word does not). With ``loose``, only those words
    may be merely close: a word the library knows elsewhere is another word."""
    return max(_unmatched(a, b, loose), _unmatched(b, a, loose))


def _typo_of(core_key: str, core_words: tuple[str, ...], probe: Probe, entry: Entry) -> bool:
    """The query's title is one edit from the entry's, in words the library lacks."""
    if not one_edit(core_key, entry.core_key):
        return False
    differing = [w for w in core_words if w not in entry.core_words]
    return bool(differing) and all(w in probe.unknown_words for w in differing)


def _direct_title(probe: Probe, entry: Entry) -> float:
    best = 0.0
    for core_key, core_words in probe.variants:
        title = fuzz.ratio(core_key, entry.core_key) / 100
        title *= UNMATCHED_WORD_FACTOR ** unmatched_words(
            core_words, entry.core_words, probe.unknown_words
        )
        if title < TYPO_TITLE and _typo_of(core_key, core_words, probe, entry):
            title = TYPO_TITLE
        best = max(best, title)
    return best


def title_similarity(probe: Probe, entry: Entry) -> float:
    """Title similarity, cut by every unmatched word; when either title is in another
    script, the romanized titles count too (their words only where both have spaces:
    kana and hangul are written without)."""
    title = _direct_title(probe, entry)
    if probe.roman_key == probe.core_key and entry.roman_core_key == entry.core_key:
        return title
    romanized = fuzz.ratio(probe.roman_key, entry.roman_core_key) / 100
    entry_words = tuple(words(roman(" ".join(entry.core_words))))
    if len(probe.roman_words) > 1 and len(entry_words) > 1:
        romanized *= UNMATCHED_WORD_FACTOR ** unmatched_words(probe.roman_words, entry_words)
    return max(title, romanized)


def shares_artist(
    probe: Probe, keys: tuple[str, ...], entry_aliases: Callable[[], frozenset[str]]
) -> bool:
    """An artist key of the query is one of the track's (``keys``), other than a duo alias
    both sides only derive (``entry_aliases``: the track's, asked only then)."""
    if not probe.aliases:
        return any(a in keys for a in probe.artists)
    shared = [a for a in probe.artists if a in keys]
    if any(a not in probe.aliases for a in shared):
        return True
    return bool(shared) and any(a not in entry_aliases() for a in shared)


def artist_similarity(
    probe: Probe, entry: Entry, entry_aliases: Callable[[], frozenset[str]]
) -> float:
    """1 when an artist MBID or an artist key is shared; TYPO_ARTIST when a credit the
    library does not know is one edit from one of the track's names; else the closest
    pair of a whole credit's key and the track's keys, at most SIMILAR_ARTIST_CAP."""
    return artist_similarity_of(probe, entry.artist_keys, entry.artist_mbids, entry_aliases)


def artist_similarity_of(
    probe: Probe,
    artist_keys: tuple[str, ...],
    artist_mbids: frozenset[str],
    entry_aliases: Callable[[], frozenset[str]],
) -> float:
    """``artist_similarity`` from a track's artist keys and MBIDs alone: the fuzzy step
    bounds a candidate's score with it before building the whole Entry."""
    if probe.artist_mbids & artist_mbids:
        return 1.0
    if shares_artist(probe, artist_keys, entry_aliases):
        return 1.0
    best = 0.0
    for q in probe.credits:
        typo = q in probe.unknown_credits
        for c in artist_keys:
            if typo and abs(len(q) - len(c)) <= 1 and one_edit(q, c):
                return TYPO_ARTIST
            best = max(best, fuzz.ratio(q, c))
    return min(best / 100, SIMILAR_ARTIST_CAP)


def scripts_differ(probe: Probe, entry: Entry) -> bool:
    """The query's names and the track's are written in different scripts (one Latin,
    one not), so that they cannot be compared."""
    entry_native = any(not k.isascii() for k in entry.artist_keys)
    return bool(probe.credits) and entry_native != any(not k.isascii() for k in probe.credits)


def corroborated(probe: Probe, query: Query, entry: Entry) -> bool:
    """Album and duration agree: both known on both sides."""
    return (
        bool(probe.album_key)
        and entry.album_key == probe.album_key
        and query.duration_ms > 0
        and entry.duration_ms > 0
        and abs(query.duration_ms - entry.duration_ms) <= CORROBORATING_DURATION_MS
    )


def duration_vetoes(a_ms: int, b_ms: int) -> bool:
    """Both durations known and too far apart to be the same recording."""
    if a_ms <= 0 or b_ms <= 0:
        return False
    return abs(a_ms - b_ms) > max(20_000, 0.12 * max(a_ms, b_ms))


def seconds(ms: int) -> str:
    """A duration as a reason shows it: '212s'."""
    return f"{round(ms / 1000)}s"


@dataclass(slots=True)
class Parts:
    """One candidate's score and what made it."""

    artist: float
    title: float
    same_album: bool
    duration_gap_ms: int  # -1 when either duration is unknown
    other_tags: frozenset[str]  # version tags on one side only
    corroborated: bool  # title, album and duration agree across scripts
    vetoed: bool  # durations too far apart
    score: float
    reason: str


def score_entry(
    probe: Probe, query: Query, entry: Entry, entry_aliases: Callable[[], frozenset[str]]
) -> Parts:
    """Title similarity times the artist similarity when the artists do not agree (a
    right title by the wrong artist is not a match), unless title, album and duration
    agree across scripts; small bonuses for the same album and a close duration; another
    version, or a far duration, cut it."""
    artist = artist_similarity(probe, entry, entry_aliases)
    title = title_similarity(probe, entry)
    score = title if artist >= ARTIST_AGREES else title * artist
    agree = (
        title >= CORROBORATED_TITLE
        and artist < ARTIST_AGREES
        and corroborated(probe, query, entry)
        and scripts_differ(probe, entry)
    )
    if agree:
        score = title
    same_album = bool(probe.album_key) and entry.album_key == probe.album_key
    if same_album:
        score += SAME_ALBUM_BONUS
    known = query.duration_ms > 0 and entry.duration_ms > 0
    gap = abs(query.duration_ms - entry.duration_ms) if known else -1
    if 0 <= gap <= CLOSE_DURATION_MS:
        score += CLOSE_DURATION_BONUS
    score = min(score, 0.99)
    reason = f"similar title and artist ({score:.2f})"
    other = entry.tags ^ probe.tags if entry.tags != probe.tags else _NO_TAGS
    if other:
        score *= OTHER_VERSION_FACTOR
        reason = f"different version ({', '.join(sorted(other))})"
    vetoed = duration_vetoes(query.duration_ms, entry.duration_ms)
    if vetoed:
        score = min(score, VETOED_CAP)
        reason = f"duration {seconds(entry.duration_ms)} vs {seconds(query.duration_ms)}"
    return Parts(artist, title, same_album, gap, other, agree, vetoed, score, reason)


def score_bound(probe: Probe, core_key: str, roman_core_key: str, artist: float) -> float:
    """At least the score ``score_entry`` gives a candidate with these title keys and this
    artist similarity, from a few ratios in C: no title part exceeds its keys' ratio but
    for a typo's TYPO_TITLE; the score is the title times the artist, or the title alone
    where the artist agrees or the album may corroborate; both bonuses are added, as they
    are there, and nothing else raises it. The fuzzy step scores in full only the
    candidates whose bound reaches the best score so far."""
    title = fuzz.ratio(probe.roman_key, roman_core_key)
    for variant, _words in probe.variants:
        title = max(title, fuzz.ratio(variant, core_key))
    bound = title / 100
    if bound < TYPO_TITLE and any(one_edit(v, core_key) for v, _words in probe.variants):
        bound = TYPO_TITLE
    if artist < ARTIST_AGREES and not probe.album_key:
        bound *= artist
    return min(bound + SAME_ALBUM_BONUS + CLOSE_DURATION_BONUS, 0.99)
