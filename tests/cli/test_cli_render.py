"""The pure parts of the command line: progress text, durations, redaction, parsing."""

from __future__ import annotations

import io

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.type.v1 import type_pb2 as tpb
from rich.console import Console

from cli import render
from cli.__main__ import parse
from cli.commands.sync import decide
from cli.context import Context, Io
from cli.errors import redact


def test_build_progress_reads_like_the_design() -> None:
    progress = cache_pb.BuildProgress(
        phase=cache_pb.BUILD_PHASE_FETCHING_TRACKS,
        tracks_done=45_000,
        tracks_total=100_000,
        eta_seconds=65,
    )
    assert render.build_progress(progress) == "45,000/100,000 tracks, fetching tracks, ETA 1m 05s"
    assert render.track_counts(12, 0) == "12 tracks"
    assert render.duration(3725) == "1h 02m"
    assert render.duration(9) == "9s"


def test_service_text_is_never_read_as_markup() -> None:
    out = io.StringIO()
    warning = cpb.Warning(
        severity=cpb.WARNING_SEVERITY_WARNING,
        message="[bold]not markup[/bold]",
        fix=cpb.Fix(action=cpb.FIX_ACTION_BUILD_CACHE_NOW, target=tpb.TARGET_JELLYFIN, label="Go"),
    )
    render.warnings(Console(file=out, width=200), [warning])
    assert "[bold]not markup[/bold]" in out.getvalue()
    assert "fix: Go (cmdarr cache build jellyfin)" in out.getvalue()


def test_secrets_are_redacted_and_lines_kept_whole() -> None:
    assert redact("bad token abc123\nagain abc123", ["abc123", ""]) == "bad token *** again ***"


def test_global_options_work_before_and_after_the_command() -> None:
    environ = {"CMDARR_CONFIG_ADDR": "10.0.0.1:1", "CMDARR_API_KEY": "k"}
    before = parse(["--json", "--config", "h:1", "config", "get"], environ)
    after = parse(["config", "get", "--json", "--config", "h:1"], environ)
    neither = parse(["config", "get"], environ)
    assert not isinstance(before, int)
    assert not isinstance(after, int)
    assert not isinstance(neither, int)
    assert (
        (before.json, before.config_address) == (after.json, after.config_address) == (True, "h:1")
    )
    assert (neither.json, neither.config_address, neither.api_key) == (False, "10.0.0.1:1", "k")
    assert parse(["sync", "create", "x", "--source-kind", "ftp"], environ) == 2


async def test_the_fix_question_is_asked_only_at_a_terminal() -> None:
    def context(answer: str, interactive: bool) -> tuple[Context, io.StringIO]:
        err = io.StringIO()
        terminal = Io(Console(file=io.StringIO()), err, io.StringIO(answer), interactive)
        return Context(terminal, {}, None, False), err

    yes, asked = context("Yes\n", True)
    assert await decide(yes, None) is True
    assert asked.getvalue() == "Enable the library cache now? [y/N] "
    no, _ = context("\n", True)
    assert await decide(no, None) is False
    unattended, silent = context("y\n", False)
    assert await decide(unattended, None) is False
    assert silent.getvalue() == ""
    assert await decide(unattended, True) is True
