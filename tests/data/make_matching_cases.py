# ruff: noqa: RUF001  (native scripts and curly quotes are deliberate: matchers must handle them)
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

from emulators.catalog_extra import artist_mbid
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
        "artist_mbids": [],
    }
    body.update(changes)
    return body


def main() -> None:
    catalog = generate(seed=SEED, tracks=TRACKS, extra=True)
    everything = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
    # The first kinds draw from the generated part only, so they stay what they were.
    music = [t for t in everything if not t.artist_mbids]
    rand = random.Random(SEED)
    # Same recording: same primary artist, same base title, same version marker.
    recording: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    by_artist_title: dict[tuple[str, str], list[Track]] = defaultdict(list)
    for t in everything:
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

    cases.extend(GrownCases(everything, recording, by_artist_title, random.Random(SEED + 1)).all())

    payload = {"seed": SEED, "tracks": TRACKS, "extra": True, "cases": cases}
    OUT.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
    negatives = sum(1 for c in cases if not c["expect"])
    print(f"{len(cases)} cases, {negatives} with no right answer in the library -> {OUT}")


GROWN_PER_KIND = 16
FILMS = ["Northern Lights", "The Glass River", "Midnight Parade", "Paper Moon", "Wild Hearts"]
SOUNDTRACK_FORMS = [
    '{t} - From "{f}" Soundtrack',
    '{t} (From "{f}")',
    '{t} (From the Motion Picture "{f}")',
    "{t} - From The Original Motion Picture Soundtrack",
    "{t} (Original Motion Picture Soundtrack)",
    '{t} - From "{f}"',
]
REMIX_FORMS = [
    "{t} (Club Mix)",
    "{t} (Extended Mix)",
    "{t} - Dub Mix",
    "{t} (VIP Mix)",
    "{t} (Tiësto Remix)",
    "{t} - Purple Disco Machine Remix",
    "{t} (Remix)",
    "{t} [Extended Mix]",
]
EDITION_FORMS = [
    "{a} (Deluxe Edition)",
    "{a} (Deluxe)",
    "{a} (Bonus Track Version)",
    "{a} (10th Anniversary Edition)",
    "{a} (Remastered)",
    "{a} [Expanded Edition]",
    "{a} (Super Deluxe)",
    "{a} - Deluxe Edition",
    "{a} (25th Anniversary Deluxe Edition)",
]
NUMBER_FORMS = ["{n:02d} - {t}", "{n:02d}. {t}", "{d}-{n:02d} {t}", "{n:02d} {t}"]

# Hand-written cases on the fixed extra part and the hard cases: (kind, title, artists,
# album, seconds (0: the library track's own), expected (album artist, title) or None).
Extra = tuple[str, str, list[str], str, int, tuple[str, str] | None]
EXTRA_CASES: list[Extra] = [
    # Duos under their surnames, or in full names.
    (
        "duo by surnames",
        "Maneater",
        ["Hall & Oates"],
        "H2O",
        271,
        ("Daryl Hall & John Oates", "Maneater"),
    ),
    (
        "duo by surnames",
        "One on One",
        ["Hall and Oates"],
        "",
        254,
        ("Daryl Hall & John Oates", "One on One"),
    ),
    (
        "duo by surnames",
        "I Can't Go for That (No Can Do)",
        ["Daryl Hall & John Oates"],
        "Private Eyes",
        0,
        ("Hall & Oates", "I Can’t Go for That (No Can Do)"),
    ),
    (
        "duo by surnames",
        "The Boxer",
        ["Paul Simon & Art Garfunkel"],
        "Bridge over Troubled Water",
        0,
        ("Simon & Garfunkel", "The Boxer"),
    ),
    (
        "duo by surnames",
        "Cecilia",
        ["Paul Simon and Art Garfunkel"],
        "",
        0,
        ("Simon & Garfunkel", "Cecilia"),
    ),
    (
        "duo by surnames",
        "Soul Man",
        ["Sam Moore & Dave Prater"],
        "Soul Men",
        160,
        ("Sam & Dave", "Soul Man"),
    ),
    (
        "duo by surnames",
        "Boot Scootin' Boogie",
        ["Kix Brooks & Ronnie Dunn"],
        "Brand New Man",
        198,
        ("Brooks & Dunn", "Boot Scootin’ Boogie"),
    ),
    (
        "duo by surnames",
        "Solid",
        ["Ashford & Simpson"],
        "Solid",
        301,
        ("Nickolas Ashford & Valerie Simpson", "Solid"),
    ),
    # Joiners: "&", "and", "+", "x", a list, a comma.
    ("credit joiners", "Closer", ["Tegan & Sara"], "Heartthrob", 210, ("Tegan and Sara", "Closer")),
    (
        "credit joiners",
        "Dog Days Are Over",
        ["Florence and the Machine"],
        "Lungs",
        252,
        ("Florence + the Machine", "Dog Days Are Over"),
    ),
    (
        "credit joiners",
        "Dog Days Are Over",
        ["Florence & The Machine"],
        "",
        252,
        ("Florence + the Machine", "Dog Days Are Over"),
    ),
    (
        "credit joiners",
        "The Killing Moon",
        ["Echo and the Bunnymen"],
        "Ocean Rain",
        335,
        ("Echo & the Bunnymen", "The Killing Moon"),
    ),
    (
        "credit joiners",
        "Celebration",
        ["Kool and the Gang"],
        "",
        296,
        ("Kool & the Gang", "Celebration"),
    ),
    (
        "credit joiners",
        "Layla",
        ["Derek and the Dominos"],
        "Layla and Other Assorted Love Songs",
        423,
        ("Derek & the Dominos", "Layla"),
    ),
    (
        "credit joiners",
        "Bell Bottom Blues",
        ["Derek & The Dominos"],
        "",
        302,
        ("Derek & the Dominos", "Bell Bottom Blues"),
    ),
    (
        "credit joiners",
        "September",
        ["Earth Wind and Fire"],
        "",
        215,
        ("Earth, Wind & Fire", "September"),
    ),
    (
        "credit joiners",
        "Can't Hold Us",
        ["Macklemore x Ryan Lewis"],
        "The Heist",
        258,
        ("Macklemore & Ryan Lewis", "Can’t Hold Us"),
    ),
    (
        "credit joiners",
        "Happier",
        ["Marshmello", "Bastille"],
        "Happier",
        214,
        ("Marshmello & Bastille", "Happier"),
    ),
    (
        "credit joiners",
        "Happier",
        ["Marshmello x Bastille"],
        "",
        214,
        ("Marshmello & Bastille", "Happier"),
    ),
    (
        "credit joiners",
        "Happier",
        ["Marshmello + Bastille"],
        "",
        214,
        ("Marshmello & Bastille", "Happier"),
    ),
    (
        "credit joiners",
        "Leave the Door Open",
        ["Bruno Mars", "Anderson .Paak", "Silk Sonic"],
        "An Evening with Silk Sonic",
        242,
        ("Silk Sonic", "Leave the Door Open"),
    ),
    (
        "credit joiners",
        "Shallow",
        ["Lady Gaga", "Bradley Cooper"],
        "A Star Is Born Soundtrack",
        216,
        ("Lady Gaga & Bradley Cooper", "Shallow"),
    ),
    (
        "credit joiners",
        "The Cave",
        ["Mumford and Sons"],
        "Sigh No More",
        0,
        ("Mumford & Sons", "The Cave"),
    ),
    # Stage names: only the artist MBIDs tie them (the query carries them, see below).
    (
        "stage name, artist MBID",
        "Ms. Fat Booty",
        ["Yasiin Bey"],
        "Black on Both Sides",
        223,
        ("Mos Def", "Ms. Fat Booty"),
    ),
    (
        "stage name, artist MBID",
        "Wild World",
        ["Yusuf / Cat Stevens"],
        "Tea for the Tillerman",
        200,
        ("Cat Stevens", "Wild World"),
    ),
    (
        "stage name, artist MBID",
        "Wild World",
        ["Yusuf / Cat Stevens"],
        "",
        201,
        ("Cat Stevens", "Wild World"),
    ),
    (
        "stage name, artist MBID",
        "I'll Be Missing You (feat. Faith Evans & 112)",
        ["Diddy"],
        "No Way Out",
        303,
        ("Puff Daddy", "I’ll Be Missing You"),
    ),
    ("stage name, artist MBID", "Stronger", ["Ye"], "Graduation", 312, ("Kanye West", "Stronger")),
    ("stage name, artist MBID", "Stronger", ["Ye"], "", 311, ("Kanye West", "Stronger")),
    (
        "stage name, artist MBID",
        "Gin and Juice",
        ["Snoop Dogg"],
        "Doggystyle",
        211,
        ("Snoop Doggy Dogg", "Gin and Juice"),
    ),
    ("stage name, artist MBID", "Stronger", ["Kelly Clarkson"], "Stronger", 222, None),
    ("stage name, artist MBID", "Gin and Juice", ["The Gourds"], "", 250, None),
    ("stage name, artist MBID", "Hello", ["Lionel Richie"], "Can't Slow Down", 250, None),
    (
        "stage name, artist MBID",
        "Stronger",
        ["Britney Spears"],
        "Oops!... I Did It Again",
        203,
        None,
    ),
    # Romanized (or native-script) queries of native-script (or romanized) library tags.
    ("transliterated", "Kukushka", ["Kino"], "Chernyy albom", 396, ("Кино", "Кукушка")),
    (
        "transliterated",
        "Khochu peremen!",
        ["Kino"],
        "Posledniy geroy",
        296,
        ("Кино", "Хочу перемен!"),
    ),
    ("transliterated", "Gruppa krovi", ["Kino"], "Gruppa krovi", 0, ("Кино", "Группа крови")),
    (
        "transliterated",
        "Zvezda po imeni Solntse",
        ["Kino"],
        "Gruppa krovi",
        0,
        ("Кино", "Звезда по имени Солнце"),
    ),
    (
        "transliterated",
        "Utekai",
        ["Mumiy Troll"],
        "Tochno rtut aloe",
        236,
        ("Мумий Тролль", "Утекай"),
    ),
    (
        "transliterated",
        "Hochesh?",
        ["Zemfira"],
        "Prosti menya moya lyubov",
        220,
        ("Земфира", "Хочешь?"),
    ),
    (
        "transliterated",
        "Chto takoe osen",
        ["DDT"],
        "Aktrisa Vesna",
        297,
        ("ДДТ", "Что такое осень"),
    ),
    (
        "transliterated",
        "Беспечный ангел",
        ["Ария"],
        "Генератор зла",
        250,
        ("Aria", "Bespechnyy angel"),
    ),
    (
        "transliterated",
        "Ta Paidia tou Peiraia",
        ["Melina Merkouri"],
        "Pote tin Kyriaki",
        190,
        ("Μελίνα Μερκούρη", "Τα παιδιά του Πειραιά"),
    ),
    ("transliterated", "Dodeka", ["Anna Vissi"], "Kravgi", 233, ("Άννα Βίσση", "Δώδεκα")),
    ("transliterated", "Shake It", ["Sakis Rouvas"], "Shake It", 180, ("Σάκης Ρουβάς", "Shake It")),
    ("transliterated", "Itia", ["Nikos Xylouris"], "Rizitika", 204, ("Νίκος Ξυλούρης", "Ιτιά")),
    ("transliterated", "Harujion", ["YOASOBI"], "THE BOOK", 203, ("YOASOBI", "ハルジオン")),
    ("transliterated", "Tabun", ["YOASOBI"], "THE BOOK", 259, ("YOASOBI", "たぶん")),
    ("transliterated", "Gunjou", ["YOASOBI"], "THE BOOK", 0, ("YOASOBI", "群青")),
    ("transliterated", "Yoru ni Kakeru", ["YOASOBI"], "THE BOOK", 0, ("YOASOBI", "夜に駆ける")),
    ("transliterated", "Robinson", ["Spitz"], "Hachimitsu", 264, ("スピッツ", "ロビンソン")),
    (
        "transliterated",
        "Arigatou",
        ["Ikimonogakari"],
        "Hajimari no Uta",
        283,
        ("いきものがかり", "ありがとう"),
    ),
    (
        "transliterated",
        "Tsukematsukeru",
        ["Kyary Pamyu Pamyu"],
        "Moshi Moshi Harajuku",
        233,
        ("きゃりーぱみゅぱみゅ", "つけまつける"),
    ),
    ("transliterated", "BANG BANG BANG", ["BIGBANG"], "MADE", 220, ("빅뱅", "뱅뱅뱅")),
    ("transliterated", "Wi Ing Wi Ing", ["HYUKOH"], "20", 265, ("혁오", "위잉위잉")),
    (
        "transliterated",
        "Gangnam Style",
        ["PSY"],
        "Psy 6 (Six Rules), Part 1",
        0,
        ("PSY", "강남스타일"),
    ),
    ("transliterated", "Sledi za soboy", ["Kino"], "Zvezda po imeni Solntse", 255, None),
    ("transliterated", "Pachka sigaret", ["Kino"], "", 268, None),
    ("transliterated", "Iskala", ["Zemfira"], "Chetyrnadtsat nedel tishiny", 230, None),
    ("transliterated", "Ta Paidia tou Peiraia", ["Nana Mouskouri"], "", 200, None),
    ("transliterated", "Idol", ["YOASOBI"], "Idol", 213, None),
    ("transliterated", "Haruka", ["YOASOBI"], "THE BOOK 2", 249, None),
    ("transliterated", "Cherry", ["Spitz"], "Indigo Chiheisen", 262, None),
    ("transliterated", "Fantastic Baby", ["BIGBANG"], "Alive", 232, None),
    # CJK artists under a translated or romanized name, title and album agreeing.
    ("CJK name translated", "Dynamite", ["BTS"], "BE", 199, ("방탄소년단", "Dynamite")),
    ("CJK name translated", "Gee", ["Girls' Generation"], "Gee", 200, ("소녀시대", "Gee")),
    ("CJK name translated", "Lemon", ["Kenshi Yonezu"], "STRAY SHEEP", 255, ("米津玄師", "Lemon")),
    (
        "CJK name translated",
        "First Love",
        ["Hikaru Utada"],
        "First Love",
        260,
        ("宇多田ヒカル", "First Love"),
    ),
    (
        "CJK name translated",
        "Battle Without Honor or Humanity",
        ["Tomoyasu Hotei"],
        "Kill Bill Vol. 1 (Original Soundtrack)",
        0,
        ("Various Artists", "Battle Without Honor or Humanity"),
    ),
    ("CJK name translated", "Good Day", ["IU"], "Real", 234, ("아이유", "좋은 날")),
    ("CJK name translated", "Butter", ["BTS"], "Butter", 164, None),
    ("CJK name translated", "Dynamite", ["Taio Cruz"], "Rokstarr", 202, None),
    (
        "CJK name translated",
        "First Love",
        ["Nikka Costa"],
        "Everybody Got Their Something",
        262,
        None,
    ),
    ("CJK name translated", "Lemon", ["U2"], "Zooropa", 414, None),
    ("CJK name translated", "Blueming", ["IU"], "Love poem", 217, None),
    ("CJK name translated", "Gee", ["Jordin Sparks"], "", 199, None),
    # Streaming services' soundtrack suffixes, and soundtrack titles in the library.
    (
        "soundtrack suffix",
        'Let It Go - From "Frozen"/Soundtrack Version',
        ["Idina Menzel"],
        "Frozen",
        224,
        ("Idina Menzel", "Let It Go"),
    ),
    (
        "soundtrack suffix",
        'Let It Go (From "Frozen")',
        ["Idina Menzel"],
        "",
        224,
        ("Idina Menzel", "Let It Go"),
    ),
    (
        "soundtrack suffix",
        'Shallow - From "A Star Is Born" Soundtrack',
        ["Lady Gaga", "Bradley Cooper"],
        "A Star Is Born Soundtrack",
        216,
        ("Lady Gaga & Bradley Cooper", "Shallow"),
    ),
    (
        "soundtrack suffix",
        "My Heart Will Go On",
        ["Céline Dion"],
        "Let's Talk About Love",
        280,
        ("Céline Dion", "My Heart Will Go On (Love Theme from “Titanic”)"),
    ),
    (
        "soundtrack suffix",
        'My Heart Will Go On - Love Theme from "Titanic"',
        ["Celine Dion"],
        "",
        280,
        ("Céline Dion", "My Heart Will Go On (Love Theme from “Titanic”)"),
    ),
    (
        "soundtrack suffix",
        "Danger Zone",
        ["Kenny Loggins"],
        "Top Gun",
        216,
        ("Kenny Loggins", "Danger Zone (From “Top Gun” Original Soundtrack)"),
    ),
    (
        "soundtrack suffix",
        'Danger Zone - From "Top Gun" Original Soundtrack',
        ["Kenny Loggins"],
        "",
        216,
        ("Kenny Loggins", "Danger Zone (From “Top Gun” Original Soundtrack)"),
    ),
    (
        "soundtrack suffix",
        'Eye of the Tiger - From "Rocky III"',
        ["Survivor"],
        "Eye of the Tiger",
        245,
        ("Survivor", "Eye of the Tiger"),
    ),
    (
        "soundtrack suffix",
        '(I\'ve Had) The Time of My Life - From "Dirty Dancing" Soundtrack',
        ["Bill Medley", "Jennifer Warnes"],
        "Dirty Dancing",
        290,
        ("Bill Medley & Jennifer Warnes", "(I’ve Had) The Time of My Life"),
    ),
    (
        "soundtrack suffix",
        'Hallelujah - From "Shrek"',
        ["Rufus Wainwright"],
        "",
        0,
        ("Rufus Wainwright", "Hallelujah"),
    ),
    (
        "soundtrack suffix",
        'Bang Bang (My Baby Shot Me Down) - From "Kill Bill Vol. 1"',
        ["Nancy Sinatra"],
        "",
        0,
        ("Various Artists", "Bang Bang (My Baby Shot Me Down)"),
    ),
    ("soundtrack suffix", 'Hallelujah - From "Shrek"', ["John Cale"], "Shrek", 238, None),
    ("soundtrack suffix", 'Let It Go - From "Frozen"', ["Demi Lovato"], "Frozen", 229, None),
    # Remixes and mixes: a remix is another recording; "Original Mix" is the original.
    (
        "remix and mix variants",
        "Levitating - The Blessed Madonna Remix",
        ["Dua Lipa"],
        "Club Future Nostalgia",
        254,
        None,
    ),
    (
        "remix and mix variants",
        "Don't Start Now (Purple Disco Machine Remix)",
        ["Dua Lipa"],
        "",
        318,
        None,
    ),
    ("remix and mix variants", "Don't Start Now - Dom Dolla Remix", ["Dua Lipa"], "", 185, None),
    ("remix and mix variants", "Summer (R3hab Remix)", ["Calvin Harris"], "", 300, None),
    ("remix and mix variants", "Summer - Extended Mix", ["Calvin Harris"], "", 330, None),
    ("remix and mix variants", "Summer (Club Mix)", ["Calvin Harris"], "Motion", 222, None),
    (
        "remix and mix variants",
        "Summer - Original Mix",
        ["Calvin Harris"],
        "",
        222,
        ("Calvin Harris", "Summer"),
    ),
    (
        "remix and mix variants",
        "Levitating - Radio Edit",
        ["Dua Lipa"],
        "",
        203,
        ("Dua Lipa", "Levitating"),
    ),
    (
        "remix and mix variants",
        "Bohemian Rhapsody - Remix",
        ["Queen"],
        "",
        0,
        ("Queen", "Bohemian Rhapsody (Remix)"),
    ),
    # Album names with editions.
    (
        "edition album names",
        "Rehab",
        ["Amy Winehouse"],
        "Back to Black",
        214,
        ("Amy Winehouse", "Rehab"),
    ),
    ("edition album names", "Lithium", ["Nirvana"], "Nevermind", 257, ("Nirvana", "Lithium")),
    ("edition album names", "Hello", ["Adele"], "25 (Deluxe)", 295, ("Adele", "Hello")),
    (
        "edition album names",
        "Dreams",
        ["Fleetwood Mac"],
        "Rumours",
        257,
        ("Fleetwood Mac", "02. Dreams"),
    ),
    (
        "edition album names",
        "Let It Be",
        ["The Beatles"],
        "Let It Be (50th Anniversary Super Deluxe)",
        0,
        ("The Beatles", "Let It Be"),
    ),
    # Track numbers in library titles, and titles that are numbers.
    (
        "track numbers in titles",
        "Girls & Boys",
        ["Blur"],
        "Parklife",
        290,
        ("Blur", "01 - Girls & Boys"),
    ),
    ("track numbers in titles", "Tracy Jacks", ["Blur"], "", 260, ("Blur", "02 - Tracy Jacks")),
    (
        "track numbers in titles",
        "End of a Century",
        ["Blur"],
        "Parklife",
        166,
        ("Blur", "03 - End of a Century"),
    ),
    (
        "track numbers in titles",
        "Wonderwall",
        ["Oasis"],
        "(What's the Story) Morning Glory?",
        258,
        ("Oasis", "1-03 Wonderwall"),
    ),
    (
        "track numbers in titles",
        "Dreams",
        ["Fleetwood Mac"],
        "",
        257,
        ("Fleetwood Mac", "02. Dreams"),
    ),
    (
        "track numbers in titles",
        "7 rings",
        ["Ariana Grande"],
        "thank u, next",
        178,
        ("Ariana Grande", "7 rings"),
    ),
    ("track numbers in titles", "99 Problems", ["JAY-Z"], "", 234, ("JAY-Z", "99 Problems")),
    ("track numbers in titles", "1999", ["Prince"], "1999", 379, ("Prince", "1999")),
    ("track numbers in titles", "22", ["Taylor Swift"], "Red", 232, ("Taylor Swift", "22")),
    ("track numbers in titles", "40", ["U2"], "War", 157, ("U2", "40")),
    ("track numbers in titles", "19-2000", ["Gorillaz"], "Gorillaz", 207, ("Gorillaz", "19-2000")),
    (
        "track numbers in titles",
        "2 + 2 = 5",
        ["Radiohead"],
        "Hail to the Thief",
        199,
        ("Radiohead", "2 + 2 = 5"),
    ),
    (
        "track numbers in titles",
        "1979",
        ["The Smashing Pumpkins"],
        "",
        265,
        ("The Smashing Pumpkins", "1979"),
    ),
    (
        "track numbers in titles",
        "21 Guns",
        ["Green Day"],
        "21st Century Breakdown",
        321,
        ("Green Day", "21 Guns"),
    ),
    ("track numbers in titles", "2000", ["Prince"], "", 300, None),
    ("track numbers in titles", "20", ["U2"], "", 157, None),
    # Featured artists credited differently.
    (
        "featured-artist differences",
        "I'll Be Missing You",
        ["Puff Daddy", "Faith Evans", "112"],
        "No Way Out",
        303,
        ("Puff Daddy", "I’ll Be Missing You"),
    ),
    (
        "featured-artist differences",
        "Can't Hold Us (feat. Ray Dalton)",
        ["Macklemore & Ryan Lewis"],
        "The Heist",
        258,
        ("Macklemore & Ryan Lewis", "Can’t Hold Us"),
    ),
    (
        "featured-artist differences",
        "Slide",
        ["Calvin Harris", "Frank Ocean", "Migos"],
        "",
        0,
        ("Calvin Harris", "Slide"),
    ),
    (
        "featured-artist differences",
        "Get Lucky (feat. Pharrell Williams and Nile Rodgers)",
        ["Daft Punk"],
        "",
        0,
        ("Daft Punk", "Get Lucky"),
    ),
    (
        "featured-artist differences",
        "Get Lucky",
        ["Daft Punk", "Pharrell Williams", "Nile Rodgers"],
        "Random Access Memories",
        0,
        ("Daft Punk", "Get Lucky"),
    ),
    (
        "featured-artist differences",
        "Feels (with Pharrell Williams, Katy Perry & Big Sean)",
        ["Calvin Harris"],
        "",
        0,
        ("Calvin Harris", "Feels"),
    ),
    # The same title by another artist is another song.
    ("same title, other artist", "Maneater", ["Nelly Furtado"], "Loose", 261, None),
    ("same title, other artist", "22", ["Lily Allen"], "It's Not Me, It's You", 186, None),
    (
        "same title, other artist",
        "Hurt",
        ["Johnny Cash"],
        "American IV: The Man Comes Around",
        218,
        None,
    ),
    ("same title, other artist", "Closer", ["The Chainsmokers", "Halsey"], "Collage", 245, None),
    ("same title, other artist", "Closer", ["Nine Inch Nails"], "The Downward Spiral", 373, None),
    ("same title, other artist", "Celebration", ["Madonna"], "Celebration", 215, None),
    ("same title, other artist", "September", ["Daughtry"], "Leave This Town", 208, None),
    ("same title, other artist", "Layla", ["Eric Clapton"], "Unplugged", 287, None),
    ("same title, other artist", "Happier", ["Ed Sheeran"], "÷", 207, None),
    ("same title, other artist", "Summer", ["The Brothers Johnson"], "", 220, None),
    (
        "same title, other artist",
        "Dreams",
        ["The Cranberries"],
        "Everybody Else Is Doing It",
        272,
        None,
    ),
]


def is_duo(name: str) -> bool:
    parts = name.split(" & ")
    return len(parts) == 2 and all(len(p.split()) == 2 for p in parts)


class GrownCases:
    """The kinds the first set lacked: credits, scripts, suffixes, versions, editions."""

    def __init__(
        self,
        music: list[Track],
        recording: dict[tuple[str, str, str], list[int]],
        by_artist_title: dict[tuple[str, str], list[Track]],
        rand: random.Random,
    ) -> None:
        self.music = music
        self.recording = recording
        self.by_artist_title = by_artist_title
        self.rand = rand
        self.cases: list[dict[str, object]] = []
        self.generated = [t for t in music if t.artist_seq < 8_000_000 and not t.artist_mbids]

    def same(self, t: Track) -> list[int]:
        key = (primary(t).lower(), base_title(t.title).lower(), version_of(t.title))
        return sorted(self.recording[key])

    def add(self, kind: str, q: dict[str, object], expect: list[int]) -> None:
        self.cases.append({"kind": kind, "query": q, "expect": expect})

    def pick(self, pool: list[Track], count: int = GROWN_PER_KIND) -> list[Track]:
        return self.rand.sample(pool, min(count, len(pool)))

    def all(self) -> list[dict[str, object]]:
        self.extra_cases()
        self.duos()
        self.soundtracks()
        self.remixes()
        self.editions()
        self.track_numbers()
        self.featured()
        self.other_artists()
        return self.cases

    def extra_cases(self) -> None:
        by_name = {(t.album_artist, t.title): t for t in self.music}
        for kind, title, artists, album, seconds, expected in EXTRA_CASES:
            target = by_name[expected] if expected else None
            duration = seconds * 1000 or (target.duration_ms if target else 0)
            mbids = [artist_mbid(a) for a in artists] if kind == "stage name, artist MBID" else []
            if title == "Good Day":
                mbids = [artist_mbid("IU")]
            q = {
                "title": title,
                "artists": artists,
                "album": album,
                "duration_ms": duration,
                "mbid": "",
                "artist_mbids": mbids,
            }
            self.add(kind, q, self.same(target) if target else [])

    def duos(self) -> None:
        duos = [t for t in self.generated if is_duo(primary(t)) and not t.credit]
        for n, t in enumerate(self.pick(duos, 24)):
            first, second = (p.split() for p in primary(t).split(" & "))
            if n < 12:
                joiner = " and " if n % 3 == 0 else " & "
                short = (first[1], second[1]) if n % 4 else (first[0], second[0])
                self.add(
                    "duo by surnames",
                    query(t, artists=[joiner.join(short)], album="" if n % 2 else t.album),
                    self.same(t),
                )
            else:
                full = (" ".join(first), " ".join(second))
                forms = [
                    [f"{full[0]} and {full[1]}"],
                    [f"{full[0]} + {full[1]}"],
                    [f"{full[0]} x {full[1]}"],
                    [full[0], full[1]],
                    [f"{full[0]}, {full[1]}"],
                    [f"{full[0]} & {full[1]}".upper()],
                ]
                self.add("credit joiners", query(t, artists=forms[n % 6]), self.same(t))
        # Another duo sharing one surname is another act.
        for t in self.pick(duos, 6):
            first, second = (p.split() for p in primary(t).split(" & "))
            other = self.rand.choice(("Quillfeather", "Brakhage", "Okonkwo"))
            self.add(
                "duo by surnames",
                query(t, artists=[f"{first[1]} & {other}"], album="", duration_ms=t.duration_ms),
                [],
            )

    def soundtracks(self) -> None:
        for n, t in enumerate(self.pick(self.generated_studio(), 16)):
            form = SOUNDTRACK_FORMS[n % len(SOUNDTRACK_FORMS)]
            title = form.format(t=base_title(t.title), f=FILMS[n % len(FILMS)])
            self.add(
                "soundtrack suffix",
                query(t, title=title, album="" if n % 2 else t.album),
                self.studio_siblings(t),
            )

    def generated_studio(self) -> list[Track]:
        return [t for t in self.generated if not version_of(t.title) and not t.credit]

    def studio_siblings(self, t: Track) -> list[int]:
        return sorted(self.recording[(primary(t).lower(), base_title(t.title).lower(), "")])

    def remixes(self) -> None:
        no_remix = [
            t
            for t in self.generated_studio()
            if not any(
                version_of(o.title) == "remix"
                for o in self.by_artist_title[(primary(t).lower(), base_title(t.title).lower())]
            )
        ]
        for n, t in enumerate(self.pick(no_remix, 16)):
            form = REMIX_FORMS[n % len(REMIX_FORMS)]
            jitter = self.rand.choice((0, 1500, 45_000, 90_000))
            self.add(
                "remix and mix variants",
                query(
                    t,
                    title=form.format(t=base_title(t.title)),
                    album="",
                    duration_ms=t.duration_ms + jitter,
                ),
                [],
            )
        only_remix = [
            t
            for t in self.generated
            if version_of(t.title) == "remix"
            and all(
                version_of(o.title) == "remix"
                for o in self.by_artist_title[(primary(t).lower(), base_title(t.title).lower())]
            )
        ]
        for t in self.pick(only_remix, 8):
            self.add(
                "remix and mix variants",
                query(t, title=base_title(t.title), album=""),
                [],
            )

    def editions(self) -> None:
        for n, t in enumerate(self.pick(self.generated, 18)):
            album = EDITION_FORMS[n % len(EDITION_FORMS)].format(a=t.album)
            self.add(
                "edition album names",
                query(t, album=album, duration_ms=t.duration_ms + self.rand.choice((-1500, 800))),
                self.same(t),
            )

    def track_numbers(self) -> None:
        for n, t in enumerate(self.pick(self.generated, 14)):
            title = NUMBER_FORMS[n % len(NUMBER_FORMS)].format(n=t.track_no, d=t.disc_no, t=t.title)
            self.add("track numbers in titles", query(t, title=title), self.same(t))

    def featured(self) -> None:
        with_guest = [t for t in self.generated if " feat. " in t.credit]
        for n, t in enumerate(self.pick(with_guest, 14)):
            main, guest = t.credit.split(" feat. ", 1)
            forms: list[dict[str, object]] = [
                {"artists": [main, guest]},
                {"title": f"{t.title} (with {guest})"},
                {"artists": [f"{main}, {guest}"]},
                {"artists": [f"{main} & {guest}"]},
                {"title": f"{t.title} [feat. {guest}]", "album": ""},
                {"artists": [main], "album": ""},
                {"artists": [f"{main} feat. {guest}"]},
            ]
            self.add("featured-artist differences", query(t, **forms[n % 7]), self.same(t))
        solo = [t for t in self.generated_studio() if t.album_artist != VARIOUS]
        for t in self.pick(solo, 6):
            guest = self.rand.choice(ABSENT_ARTISTS)
            self.add(
                "featured-artist differences",
                query(t, title=f"{t.title} (feat. {guest})"),
                self.same(t),
            )

    def other_artists(self) -> None:
        artists = sorted({t.album_artist for t in self.generated if t.album_artist != VARIOUS})
        titles = {(primary(t).lower(), base_title(t.title).lower()) for t in self.music}
        for t in self.pick(self.generated_studio(), 16):
            other = artists[0]
            for _ in range(100):
                other = self.rand.choice(artists)
                if (other.lower(), base_title(t.title).lower()) not in titles:
                    break
            duration = self.rand.randrange(90_000, 420_000)
            self.add(
                "same title, other artist",
                query(t, artists=[other], album="", duration_ms=duration),
                [],
            )


if __name__ == "__main__":
    main()
