"""The seeded catalogue: deterministic, sized as asked, and full of matcher traps."""

from __future__ import annotations

import pytest

from emulators.library import VARIOUS, generate


def test_same_seed_same_catalogue_other_seed_other() -> None:
    assert generate(seed=5, tracks=400) == generate(seed=5, tracks=400)
    assert generate(seed=5, tracks=400) != generate(seed=6, tracks=400)


# Coverage skips it: its lines are those of every emulator test's catalogue, and tracing the
# 200,000-track catalogue's millions of line events added some 2.5 s of CPU to its 1.5 s.
@pytest.mark.no_cover
def test_sizes_and_libraries() -> None:
    catalog = generate(seed=1, tracks=1001, music_libraries=2, audiobooks=40)
    kinds = [(s.title, s.kind, len(s.tracks)) for s in catalog.sections]
    assert kinds == [
        ("Music", "music", 501),
        ("Lossless", "music", 500),
        ("Audiobooks", "audiobooks", 40),
    ]
    seqs = [t.seq for t in catalog.all_tracks()]
    assert len(seqs) == len(set(seqs))
    assert len(generate(seed=1, tracks=200_000, music_libraries=1).sections[0].tracks) == 200_000


def test_the_hard_cases_are_there() -> None:
    tracks = generate(seed=1, tracks=300).all_tracks()
    titles = {t.title for t in tracks}
    artists = {t.album_artist for t in tracks}
    assert {"Motörhead", "Beyoncé", "AC/DC", "P!nk", "The Beatles", VARIOUS} <= artists
    assert {"Simon & Garfunkel", "Кино", "YOASOBI", "!!!"} <= artists
    assert {"夜に駆ける", "강남스타일", "Группа крови", "★", "..."} <= titles
    assert any("\u2019" in t for t in titles)  # curly apostrophes
    versions = {t.title for t in tracks if t.title.startswith("Bohemian Rhapsody")}
    assert versions == {
        "Bohemian Rhapsody",
        "Bohemian Rhapsody - Remastered 2011",
        "Bohemian Rhapsody (Live at Wembley)",
        "Bohemian Rhapsody (Remix)",
    }
    assert len({t.album_artist for t in tracks if t.title == "Hallelujah"}) == 4  # covers
    feat = next(t for t in tracks if t.title == "Slide")
    assert feat.credit == "Calvin Harris feat. Frank Ocean & Migos"
    assert feat.artists == ("Calvin Harris", "Frank Ocean", "Migos")
    compilation = next(t for t in tracks if t.title == "Believe")
    assert (compilation.album_artist, compilation.artists) == (VARIOUS, ("Cher",))
    with_mbid = [t for t in tracks if t.mbid]
    assert 0 < len(with_mbid) < len(tracks)
