# ruff: noqa: RUF001  (native scripts and curly quotes are deliberate: matchers must handle them)
"""A fixed extra part of the catalogue: real-world credits that trip matchers.

Duos and bands credited with "&", "and" or "+", stage names, CJK, Cyrillic and Greek
artists tagged in their own script, soundtrack titles, track numbers left in titles by
file-name tagging, and titles that really begin with digits. The generated catalogue
has none of these; ``generate(..., extra=True)`` appends them after it, so every
sequence number of the generated part stays what it was.

Durations are fixed (seconds here), so a test can state them; artist MBIDs are derived
from the artist name, so the same artist has the same id on every track.
"""

from __future__ import annotations

import uuid

# (album artist, album, year, [(title, track credit or "", seconds)])
ExtraAlbum = tuple[str, str, int, list[tuple[str, str, int]]]

EXTRA_ALBUMS: list[ExtraAlbum] = [
    # Duos and bands whose joiner or full names vary between services.
    ("Daryl Hall & John Oates", "H2O", 1982, [("Maneater", "", 271), ("One on One", "", 254)]),
    ("Sam & Dave", "Soul Men", 1967, [("Soul Man", "", 160)]),
    ("Brooks & Dunn", "Brand New Man", 1991, [("Boot Scootin’ Boogie", "", 198)]),
    ("Tegan and Sara", "Heartthrob", 2013, [("Closer", "", 210)]),
    ("Florence + the Machine", "Lungs", 2009, [("Dog Days Are Over", "", 252)]),
    ("Echo & the Bunnymen", "Ocean Rain", 1984, [("The Killing Moon", "", 335)]),
    ("Kool & the Gang", "Celebrate!", 1980, [("Celebration", "", 296)]),
    (
        "Derek & the Dominos",
        "Layla and Other Assorted Love Songs",
        1970,
        [("Layla", "", 423), ("Bell Bottom Blues", "", 302)],
    ),
    (
        "Earth, Wind & Fire",
        "The Best of Earth, Wind & Fire, Vol. 1",
        1978,
        [("September", "", 215)],
    ),
    ("Macklemore & Ryan Lewis", "The Heist", 2012, [("Can’t Hold Us", "", 258)]),
    ("Marshmello & Bastille", "Happier", 2018, [("Happier", "", 214)]),
    ("Silk Sonic", "An Evening with Silk Sonic", 2021, [("Leave the Door Open", "", 242)]),
    ("Nickolas Ashford & Valerie Simpson", "Solid", 1984, [("Solid", "", 301)]),
    # Stage names that changed (the same MusicBrainz artist under another name).
    ("Mos Def", "Black on Both Sides", 1999, [("Ms. Fat Booty", "", 223)]),
    ("Cat Stevens", "Tea for the Tillerman", 1970, [("Wild World", "", 200)]),
    (
        "Puff Daddy",
        "No Way Out",
        1997,
        [("I’ll Be Missing You", "Puff Daddy feat. Faith Evans & 112", 303)],
    ),
    ("Kanye West", "Graduation", 2007, [("Stronger", "", 312)]),
    ("Snoop Doggy Dogg", "Doggystyle", 1993, [("Gin and Juice", "", 211)]),
    # Native scripts: Cyrillic, Greek, kana, hangul, kanji.
    ("Кино", "Чёрный альбом", 1990, [("Кукушка", "", 396)]),
    ("Кино", "Последний герой", 1989, [("Хочу перемен!", "", 296)]),
    ("Мумий Тролль", "Точно ртуть алоэ", 2000, [("Утекай", "", 236)]),
    ("Земфира", "Прости меня моя любовь", 2000, [("Хочешь?", "", 220)]),
    ("ДДТ", "Актриса Весна", 1992, [("Что такое осень", "", 297)]),
    ("Aria", "Generator zla", 1998, [("Bespechnyy angel", "", 250)]),
    ("Μελίνα Μερκούρη", "Ποτέ την Κυριακή", 1960, [("Τα παιδιά του Πειραιά", "", 190)]),
    ("Άννα Βίσση", "Κραυγή", 2000, [("Δώδεκα", "", 233)]),
    ("Σάκης Ρουβάς", "Shake It", 2004, [("Shake It", "", 180)]),
    ("Νίκος Ξυλούρης", "Ριζίτικα", 1973, [("Ιτιά", "", 204)]),
    ("YOASOBI", "THE BOOK", 2021, [("ハルジオン", "", 203), ("たぶん", "", 259)]),
    ("スピッツ", "ハチミツ", 1995, [("ロビンソン", "", 264)]),
    ("いきものがかり", "ハジマリノウタ", 2009, [("ありがとう", "", 283)]),
    ("きゃりーぱみゅぱみゅ", "もしもし原宿", 2011, [("つけまつける", "", 233)]),
    ("방탄소년단", "BE", 2020, [("Dynamite", "", 199)]),
    ("빅뱅", "MADE", 2016, [("뱅뱅뱅", "", 220)]),
    ("소녀시대", "Gee", 2009, [("Gee", "", 200)]),
    ("혁오", "20", 2014, [("위잉위잉", "", 265)]),
    ("아이유", "Real", 2010, [("좋은 날", "", 234)]),
    ("米津玄師", "STRAY SHEEP", 2020, [("Lemon", "", 255)]),
    ("宇多田ヒカル", "First Love", 1999, [("First Love", "", 260)]),
    # Soundtrack titles, as libraries tag them.
    ("Idina Menzel", "Frozen (Original Motion Picture Soundtrack)", 2013, [("Let It Go", "", 224)]),
    (
        "Lady Gaga & Bradley Cooper",
        "A Star Is Born Soundtrack",
        2018,
        [("Shallow", "", 216)],
    ),
    (
        "Céline Dion",
        "Let’s Talk About Love",
        1997,
        [("My Heart Will Go On (Love Theme from “Titanic”)", "", 280)],
    ),
    (
        "Kenny Loggins",
        "Top Gun (Original Motion Picture Soundtrack)",
        1986,
        [("Danger Zone (From “Top Gun” Original Soundtrack)", "", 216)],
    ),
    ("Survivor", "Eye of the Tiger", 1982, [("Eye of the Tiger", "", 245)]),
    (
        "Bill Medley & Jennifer Warnes",
        "Dirty Dancing (Original Soundtrack)",
        1987,
        [("(I’ve Had) The Time of My Life", "", 290)],
    ),
    ("Nine Inch Nails", "The Downward Spiral", 1994, [("Hurt", "", 373)]),
    # Track numbers left in titles by file-name tagging.
    (
        "Blur",
        "Parklife",
        1994,
        [
            ("01 - Girls & Boys", "", 290),
            ("02 - Tracy Jacks", "", 260),
            ("03 - End of a Century", "", 166),
        ],
    ),
    ("Oasis", "(What’s the Story) Morning Glory?", 1995, [("1-03 Wonderwall", "", 258)]),
    ("Fleetwood Mac", "Rumours (Super Deluxe)", 1977, [("02. Dreams", "", 257)]),
    # Titles that really begin with digits: none of these is a track number.
    ("Ariana Grande", "thank u, next", 2019, [("7 rings", "", 178)]),
    ("JAY-Z", "The Black Album", 2003, [("99 Problems", "", 234)]),
    ("Prince", "1999", 1982, [("1999", "", 379)]),
    ("Taylor Swift", "Red", 2012, [("22", "", 232)]),
    ("U2", "War", 1983, [("40", "", 157)]),
    ("Gorillaz", "Gorillaz", 2001, [("19-2000", "", 207)]),
    ("Radiohead", "Hail to the Thief", 2003, [("2 + 2 = 5", "", 199)]),
    (
        "The Smashing Pumpkins",
        "Mellon Collie and the Infinite Sadness",
        1995,
        [("1979", "", 265)],
    ),
    ("Green Day", "21st Century Breakdown", 2009, [("21 Guns", "", 321)]),
    # Originals whose remixes are not in the library.
    ("Dua Lipa", "Future Nostalgia", 2020, [("Levitating", "", 203), ("Don’t Start Now", "", 183)]),
    ("Calvin Harris", "Motion", 2014, [("Summer", "", 222)]),
    # Deluxe and anniversary album names.
    ("Adele", "25", 2015, [("Hello", "", 295)]),
    ("Amy Winehouse", "Back to Black (Deluxe Edition)", 2006, [("Rehab", "", 214)]),
    ("Nirvana", "Nevermind (20th Anniversary)", 1991, [("Lithium", "", 257)]),
]

_ARTIST_NAMESPACE = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")  # the URL namespace
# Stage names of one artist: each maps to the name whose MBID they share.
SAME_ARTIST: dict[str, str] = {
    "Yasiin Bey": "Mos Def",
    "Yusuf / Cat Stevens": "Cat Stevens",
    "Diddy": "Puff Daddy",
    "Ye": "Kanye West",
    "Snoop Dogg": "Snoop Doggy Dogg",
    "IU": "아이유",
}


def artist_mbid(name: str) -> str:
    """The (made-up, stable) MusicBrainz id of an artist of the extra part."""
    return str(uuid.uuid5(_ARTIST_NAMESPACE, "artist:" + SAME_ARTIST.get(name, name)))
