"""What to send a server's search. Its title search is a substring match that folds case
but maybe neither accents nor punctuation ("Beyonce" may miss "Beyoncé", and "Don't" the
same word with a curly apostrophe), so a term is a run of characters the library's
spelling most likely shares with the playlist's: a word of the core title without accents
or punctuation, the rarest first, so that a few results hold the right one."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from common.matching.normalize import (
    artist_key,
    fold,
    is_various,
    parse_title,
    split_credit,
    words,
)
from common.matching.romanize import is_latin, roman

# Words so frequent in song titles that they make poor search terms (a small built-in
# notion of word frequency: English function words and the commonest title words).
COMMON_WORDS = frozenset(
    (
        "a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "from", "by",
        "with", "without", "into", "over", "under", "up", "down", "out", "off", "is", "are",
        "was", "were", "be", "been", "am", "i", "im", "me", "my", "mine", "you", "your",
        "yours", "we", "us", "our", "he", "him", "his", "she", "her", "it", "its", "they",
        "them", "their", "this", "that", "these", "those", "what", "when", "where", "who",
        "why", "how", "not", "no", "yes", "all", "so", "if", "but", "do", "dont", "don", "can",
        "cant", "will", "wont", "just", "one", "two", "three", "oh", "la", "le", "de", "el",
        "love", "night", "day", "heart", "baby", "girl", "boy", "time", "life", "world", "man",
        "woman", "home", "dream", "dance", "fire", "light", "rain", "sun", "moon", "sky",
        "blue", "red", "black", "white", "gold", "good", "bad", "little", "big", "new", "old",
        "song", "songs", "tonight", "forever", "never", "again", "back", "away", "now", "here",
        "there", "go", "going", "get", "got", "let", "make", "take", "come", "feel", "like",
        "need", "want", "know", "say", "said", "way", "ll", "re", "ve", "s", "t", "d", "m",
    )
)  # fmt: skip
MIN_LENGTH = 3  # shorter runs match too much to be worth a request
_RUN = re.compile(r"\w+")
_AND = re.compile(r"\s+and\s+|\s*&\s*", re.IGNORECASE)


def is_plain(char: str) -> bool:
    """A letter or digit that no accent folding changes (no diacritic to drop)."""
    return char.isalnum() and unicodedata.normalize("NFKD", char) == char


def plain_runs(text: str) -> list[str]:
    """The maximal runs of plain letters and digits in ``text``, as written: 'Don\\u2019t Stop'
    -> ['Don', 't', 'Stop']; 'Beyoncé' -> ['Beyonc']."""
    runs: list[str] = []
    current: list[str] = []
    for char in text:
        if is_plain(char):
            current.append(char)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def _rank(run: str, position: int) -> tuple[int, int, int, int]:
    """Rarer first: not all digits, not a common word, then longer, then earlier."""
    return (int(run.isdigit()), int(run.casefold() in COMMON_WORDS), -len(run), position)


@lru_cache(maxsize=65536)
def title_terms(title: str) -> tuple[str, ...]:
    """Search terms for a playlist title, the best first: the plain runs of at least
    MIN_LENGTH characters of its core title (suffixes, version markers and featured
    credits removed), rarest first; then its words with accents, as written; and the core
    as written when it has neither ('!!!', 'Up')."""
    core = parse_title(title).core
    runs = [run for run in plain_runs(core) if len(run) >= MIN_LENGTH]
    order = sorted(range(len(runs)), key=lambda i: _rank(runs[i], i))
    terms: list[str] = []
    seen: set[str] = set()
    for candidate in [runs[i] for i in order] + [
        word for word in _RUN.findall(core) if not all(is_plain(c) for c in word)
    ]:
        if candidate.casefold() not in seen:
            seen.add(candidate.casefold())
            terms.append(candidate)
    if not terms and core.strip():
        terms.append(core.strip())
    return tuple(terms)


def title_phrase(title: str) -> str:
    """The longest run of plain words and single spaces of the core title when it holds
    more than one word ('The Summer Night (Acoustic)' -> 'The Summer Night'), else '':
    far more selective than one word. Runs stop at "&" and "and", which libraries write
    either way, and spacing is folded first."""
    core = " ".join(parse_title(title).core.split())
    runs = [_longest_plain_spaced(piece) for piece in _AND.split(core)]
    run = max(runs, key=len, default="")
    return run if " " in run else ""


def romanized_phrase(title: str) -> str:
    """The core of a title written in another script, romanized as the matcher romanizes
    it ('Беспечный ангел' -> 'bespechnyy angel'): the search for a library that tags it
    in Latin. '' for a Latin title. Romanized before accents are folded: "й" is "y",
    not the "i" it folds to."""
    core = parse_title(title).core
    return "" if is_latin(fold(core)) else " ".join(words(roman(core.casefold())))


def primary_artist(artists: Sequence[str]) -> str:
    """The playlist track's primary artist as written: the first name of the first credit
    that is not 'Various Artists' ('' when there is none)."""
    for credit in artists:
        if credit.strip() and not is_various(credit):
            names = split_credit(credit)
            return names[0] if names else credit.strip()
    return ""


def name_fragment(name: str) -> str:
    """A contains-term for an artist name: the longest run of plain characters and single
    spaces ('Chloé Stone' -> 'Stone', 'Mia O\\u2019Brien' -> 'Mia O'), without a leading
    'The' (which the library's spelling may lack), or the name as written when no run is
    long enough."""
    best = _longest_plain_spaced(name)
    if best[:4].casefold() == "the " and len(best) - 4 > MIN_LENGTH:
        best = best[4:]
    return best if len(best) >= MIN_LENGTH else name.strip()


def _longest_plain_spaced(piece: str) -> str:
    """The longest run of plain characters and single spaces (spacing folded: a playlist's
    double space is the library's single one)."""
    best = ""
    current: list[str] = []
    for char in piece + "\0":
        if is_plain(char):
            current.append(char)
            continue
        if char.isspace() and current:
            if current[-1] != " ":
                current.append(" ")
            continue
        run = "".join(current).strip()
        if len(run) > len(best):
            best = run
        current = []
    return best


def artist_group_key(artists: Sequence[str]) -> str:
    """The key tracks are grouped under for one artist listing ('' for no artist)."""
    name = primary_artist(artists)
    return artist_key(name) if name else ""
