# ruff: noqa: RUF001, RUF002  (Greek and kana are what this module is about)
"""Romanized forms of folded text in other scripts, so that "Кино" meets "Kino" and
"ハルジオン" meets "Harujion".

anyascii does the per-script work; two fixes bring it closer to how streaming services
romanize: Greek vowel digraphs read as in ELOT 743 ("ου" -> "ou", not "oy"), and kana
contracted sounds as in Hepburn ("きゃ" -> "kya", not "kiya"). Latin text (accents already
folded away) is returned unchanged.
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

_GREEK_DIGRAPHS = {"ου": "ou", "αυ": "av", "ευ": "ev", "ηυ": "iv"}
_GREEK = re.compile("|".join(_GREEK_DIGRAPHS))
# A kana of the i-column followed by a small ya/yu/yo: one contracted syllable.
_YOON = re.compile(r"([\u3040-\u30ff])([ゃゅょャュョ])")
_SMALL_Y = {"ゃ": "a", "ゅ": "u", "ょ": "o", "ャ": "a", "ュ": "u", "ョ": "o"}


def _yoon(match: re.Match[str]) -> str:
    head = anyascii(match.group(1)).lower()  # "ki", "shi", "chi", "ji", ...
    vowel = _SMALL_Y[match.group(2)]
    if not head.endswith("i"):
        return match.group(0)
    stem = head[:-1]
    return stem + (vowel if stem.endswith(("sh", "ch", "j")) else "y" + vowel)


def is_latin(folded: str) -> bool:
    """Whether folded text needs no romanizing (accents are folded away before this)."""
    return folded.isascii()


def roman(folded: str) -> str:
    """The lower-case romanized form of case- and accent-folded text."""
    return folded if folded.isascii() else _roman(folded)


@lru_cache(maxsize=8192)
def _roman(folded: str) -> str:
    text = _GREEK.sub(lambda m: _GREEK_DIGRAPHS[m.group(0)], folded)
    text = _YOON.sub(_yoon, text)
    return anyascii(text).lower()
