"""Write tests/data/matching_cases.json: labelled matching cases against the emulators'
seeded catalogue. Labels come from how each query was made (the catalogue is the ground
truth), never from the matcher.

    python tests/data/make_matching_cases.py

Each case: a query, the catalogue sequence numbers that are right answers (any of them),
or none when the right answer is "not in the library" while a look-alike is.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections import defaultdict
from pathlib import Path

from emulators.library import VARIOUS, Track, generate

SEED = 7
TRACKS = 3000
PER_KIND = 30
OUT = Path(__file__).with_name("matching_cases.json")
VERSION_WORDS = ("live", "remix", "acoustic", "instrumental", "demo")
ABSENT_ARTISTS = [
    "Zed Quillfeather",
    "Marguerite Okonkwo-Vance",
    "The Velvet Tangerines",
    "Ilse Brakhage",
]


def plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def primary(track: Track) -> str:
    if track.credit:
        return track.credit.split(" feat. ")[0]
    return track.album_artist


def base_title(title: str) -> str:
    for sep in (" (", " - "):
        title = title.split(sep)[0]
    return title


def version_of(title: str) -> str:
    lowered = title.lower()
    return next((w for w in VERSION_WORDS if w in lowered), "")


def query(track: Track, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": track.title,
        "artists": [primary(track)],
        "album": track.album,
        "duration_ms": track.duration_ms,
        "mbid": "",
    }
    body.update(changes)
    return body


def main() -> None:
    catalog = generate(seed=SEED, tracks=TRACKS)
    music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
    rand = random.Random(SEED)
    # Same recording: same primary artist, same base title, same version marker.
    recording: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    by_artist_title: dict[tuple[str, str], list[Track]] = defaultdict(list)
    for t in music:
        recording[(primary(t).lower(), base_title(t.title).lower(), version_of(t.title))].append(
            t.seq
        )
        by_artist_title[(primary(t).lower(), base_title(t.title).lower())].append(t)

    def same(t: Track) -> list[int]:
        return sorted(
            recording[(primary(t).lower(), base_title(t.title).lower(), version_of(t.title))]
        )

    def pick(pool: list[Track]) -> list[Track]:
        return rand.sample(pool, min(PER_KIND, len(pool)))

    cases: list[dict[str, object]] = []

    def add(kind: str, q: dict[str, object], expect: list[int]) -> None:
        cases.append({"kind": kind, "query": q, "expect": expect})

    studio = [t for t in music if not version_of(t.title) and len(same(t)) >= 1]
    for t in pick(music):
        add("verbatim", query(t), same(t))
    for t in pick(music):
        add(
            "case and accents",
            query(t, title=plain(t.title).upper(), artists=[plain(primary(t)).lower()], album=""),
            same(t),
        )
    featured = [t for t in music if " feat. " in t.credit]
    for t in pick(featured):
        guest = t.credit.split(" feat. ", 1)[1]
        add("feat. in the title", query(t, title=f"{t.title} (feat. {guest})"), same(t))
    for t in pick(studio):
        siblings = sorted(
            s for s in recording[(primary(t).lower(), base_title(t.title).lower(), "")]
        )
        add(
            "remaster suffix",
            query(t, title=f"{base_title(t.title)} - Remastered 2011", album=""),
            siblings,
        )
    compilation = [t for t in music if t.album_artist == VARIOUS]
    for t in pick(compilation):
        add("compilation track artist", query(t, artists=[t.credit]), same(t))
    for t in pick(music):
        add(
            "duration jitter, no album",
            query(t, album="", duration_ms=t.duration_ms + rand.choice((-2000, 1500))),
            same(t),
        )
    with_mbid = [t for t in music if t.mbid]
    for t in pick(with_mbid):
        add(
            "recording MBID",
            query(t, title=base_title(t.title) + " (Album Version)", mbid=t.mbid),
            [t.seq],
        )
    long_titles = [t for t in studio if len(base_title(t.title)) >= 10]
    for t in pick(long_titles):
        title = base_title(t.title)
        cut = rand.randrange(2, len(title) - 2)
        if title[cut] == " ":
            cut += 1
        add(
            "typo",
            query(t, title=title[:cut] + title[cut + 1 :]),
            sorted(recording[(primary(t).lower(), title.lower(), "")]),
        )

    # The right answer is absent while a look-alike is present.
    for t in pick(music):
        add(
            "cover by an absent artist",
            query(t, artists=[rand.choice(ABSENT_ARTISTS)], album=""),
            [],
        )
    no_live = [
        t
        for t in studio
        if not any(
            version_of(o.title) == "live"
            for o in by_artist_title[(primary(t).lower(), base_title(t.title).lower())]
        )
    ]
    for t in pick(no_live):
        add("live version absent", query(t, title=f"{base_title(t.title)} (Live)", album=""), [])
    for t in pick(studio):
        add(
            "other song, same artist",
            query(t, title=f"{base_title(t.title)} Part II", album=""),
            [],
        )
    far = [
        t
        for t in music
        if all(
            abs(o.duration_ms - (t.duration_ms + 95_000)) > 60_000
            for o in by_artist_title[(primary(t).lower(), base_title(t.title).lower())]
        )
    ]
    for t in pick(far):
        add("same name, far longer", query(t, album="", duration_ms=t.duration_ms + 95_000), [])

    payload = {"seed": SEED, "tracks": TRACKS, "cases": cases}
    OUT.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
    negatives = sum(1 for c in cases if not c["expect"])
    print(f"{len(cases)} cases, {negatives} with no right answer in the library -> {OUT}")


if __name__ == "__main__":
    main()
