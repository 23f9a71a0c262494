"""Until sync_svc writes to other servers and users, it refuses them by name instead of
running a sync that silently skips them; a destination that is a target runs as one."""

from __future__ import annotations

import pytest
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb

from common.domain import Command, CommandKind, Destination, SourceKind, Target
from common.errors import FailedPrecondition, InvalidArgument
from sync_svc.config_client import spec_of
from sync_svc.convert import spec_from_pb


def test_an_inline_spec_names_the_destination_it_cannot_serve() -> None:
    served = spec_from_pb(
        pb.SyncSpec(playlist_title="p", destinations=[tpb.Destination(server="jellyfin")])
    )
    assert served.targets == (Target.JELLYFIN,)
    with pytest.raises(InvalidArgument) as refused:
        spec_from_pb(
            pb.SyncSpec(
                playlist_title="p",
                targets=[tpb.TARGET_PLEX],
                destinations=[tpb.Destination(server="plex", user="alice")],
            )
        )
    assert [v.field for v in refused.value.violations] == ["spec.destinations[0]"]


def test_a_stored_command_with_such_a_destination_is_refused_not_skipped() -> None:
    command = Command(
        "family",
        CommandKind.PLAYLIST_SYNC,
        SourceKind.FILE,
        "/m/f.jspf",
        (Destination("plex"), Destination("den", "bob")),
    )
    with pytest.raises(FailedPrecondition, match="'family' writes to den:bob"):
        spec_of(command)
    plain = Command(
        "plain", CommandKind.PLAYLIST_SYNC, SourceKind.FILE, "/p", command.destinations[:1]
    )
    assert spec_of(plain).targets == (Target.PLEX,)
