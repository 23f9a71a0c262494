"""The pure parts of reading users: plex.tv's XML, who receives playlists, Jellyfin's user
objects, and which matched items a user may receive."""

from __future__ import annotations

import pytest

from common.targets.access import LibraryAccess, split_by_access
from common.targets.items import TargetLibrary
from common.targets.jellyfin_parse import JellyfinParseError
from common.targets.jellyfin_users import user_from
from common.targets.plex_tv_parse import (
    PlexAccount,
    PlexShare,
    PlexTvParseError,
    PlexTvUser,
    SharedSection,
    parse_account,
    parse_shares,
    parse_users,
    share_token,
)
from common.targets.plex_users import PlexUserKind, plex_recipients

SHARED_SERVERS = b"""<?xml version="1.0" encoding="UTF-8"?>
<MediaContainer friendlyName="myPlex">
  <SharedServer id="7" username="bob" email="b@x" userID="102" accessToken="tok-bob" name="plex">
    <Section id="1" key="1" title="Music" type="artist" shared="1"/>
    <Section id="2" key="2" title="Lossless" type="artist" shared="0"/>
  </SharedServer>
  <SharedServer id="8" username="kid" userID="103" accessToken="tok-kid" name="plex">
    <Section id="3" key="1" title="Music" type="artist" shared="1"/>
  </SharedServer>
</MediaContainer>"""

USERS = b"""<MediaContainer friendlyName="myPlex">
  <User id="102" title="bob" username="bob" home="0" protected="0" restricted="0">
    <Server id="7" machineIdentifier="m1" name="plex" allLibraries="0"/>
  </User>
  <User id="103" title="kid" username="" home="1" protected="1" restricted="1">
    <Server id="8" machineIdentifier="m1" name="plex"/>
  </User>
  <User id="104" title="carl" username="carl" home="0"/>
</MediaContainer>"""


def test_shares_are_read_without_their_tokens() -> None:
    shares = parse_shares(SHARED_SERVERS)
    assert shares == [
        PlexShare(
            "102",
            "bob",
            (SharedSection("1", "Music", True), SharedSection("2", "Lossless", False)),
        ),
        PlexShare("103", "kid", (SharedSection("1", "Music", True),)),
    ]
    assert shares[0].shared_keys == frozenset({"1"})
    assert "tok-" not in repr(shares)
    assert share_token(SHARED_SERVERS, "103") == "tok-kid"
    assert share_token(SHARED_SERVERS, "999") is None


def test_users_and_the_account_are_read() -> None:
    users = parse_users(USERS)
    assert [(u.title, u.home, u.protected, u.servers) for u in users] == [
        ("bob", False, False, frozenset({"m1"})),
        ("kid", True, True, frozenset({"m1"})),
        ("carl", False, False, frozenset()),
    ]
    account = parse_account(b'<user id="1" uuid="u" username="o" title="Owner" authToken="t"/>')
    assert account == PlexAccount("1", "u", "o", "Owner")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>oops</html", "not plex.tv XML"),
        (b'<!DOCTYPE x [<!ENTITY e "tok-secret">]><user id="1">&e;</user>', "not plex.tv XML"),
        (b'<MediaContainer><User id="x"/></MediaContainer>', "a user has no numeric id"),
    ],
)
def test_what_is_not_plex_tv_xml_is_refused_without_quoting_it(body: bytes, message: str) -> None:
    with pytest.raises(PlexTvParseError) as raised:
        parse_users(body)
    assert message in str(raised.value)
    assert "tok-secret" not in str(raised.value)


def test_an_account_must_be_a_user_element() -> None:
    with pytest.raises(PlexTvParseError, match="not user"):
        parse_account(b'<MediaContainer id="1"/>')


def test_recipients_are_the_owner_then_the_shares_by_name() -> None:
    owner = PlexAccount("1", "u", "owner", "Owner")
    users = parse_users(USERS)
    shares = [
        *parse_shares(SHARED_SERVERS),
        PlexShare("105", "stranger", ()),  # shared, though plex.tv's user list lacks them
        PlexShare("1", "owner", ()),  # the owner is never listed twice
    ]
    found = plex_recipients(owner, users, shares)
    assert [(r.user_id, r.name, r.kind, r.section_keys, r.protected) for r in found] == [
        ("1", "Owner", PlexUserKind.OWNER, None, False),
        ("102", "bob", PlexUserKind.SHARED, frozenset({"1"}), False),
        ("103", "kid", PlexUserKind.HOME, frozenset({"1"}), True),
        ("105", "stranger", PlexUserKind.SHARED, frozenset(), False),
    ]
    # carl has no share of this server: no token for it, so no playlist there.
    assert "carl" not in {r.name for r in found}
    assert isinstance(users[0], PlexTvUser)


def test_jellyfin_users_are_read_from_their_policy() -> None:
    carol = user_from(
        {
            "Id": "c1",
            "Name": "carol",
            "Policy": {
                "IsAdministrator": False,
                "EnableAllFolders": False,
                "EnabledFolders": ["v"],
            },
        }
    )
    assert (carol.is_admin, carol.folder_ids, carol.disabled) == (False, frozenset({"v"}), False)
    admin = user_from(
        {"Id": "a", "Name": "a", "Policy": {"IsAdministrator": True, "EnableAllFolders": True}}
    )
    assert (admin.is_admin, admin.folder_ids) == (True, None)
    with pytest.raises(JellyfinParseError, match="no Policy"):
        user_from({"Id": "x", "Name": "x"})
    with pytest.raises(JellyfinParseError, match="no Id"):
        user_from({"Name": "x", "Policy": {}})


def test_items_outside_the_users_libraries_are_withheld_with_the_reason() -> None:
    music = TargetLibrary("1", "Music", "artist", is_music=True)
    access = LibraryAccess("bob", (music,))
    items = [("a", "Music", "1"), ("b", "Lossless", "2"), ("c", "Music", "1")]
    kept, withheld = split_by_access(items, access, library_title=lambda i: i[1])
    assert kept == [items[0], items[2]]
    assert [(w.item, w.reason) for w in withheld] == [(items[1], "not in bob's libraries")]
    by_id, _ = split_by_access(items, access, library_id=lambda i: i[2])
    assert by_id == kept
    with pytest.raises(ValueError, match="not both"):
        split_by_access(items, access)
