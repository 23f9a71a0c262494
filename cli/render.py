"""Readable output: tables, progress lines, warnings, reports. Text from the services is
shown as is (never read as rich markup)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC
from typing import Protocol

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf.timestamp_pb2 import Timestamp
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli import unmatched_export

TARGET_LABELS = {tpb.TARGET_PLEX: "Plex", tpb.TARGET_JELLYFIN: "Jellyfin"}
SEVERITY_STYLES = {
    cpb.WARNING_SEVERITY_INFO: "cyan",
    cpb.WARNING_SEVERITY_WARNING: "yellow",
    cpb.WARNING_SEVERITY_ERROR: "red",
}
STATE_STYLES = {
    "ready": "green",
    "succeeded": "green",
    "building": "cyan",
    "running": "cyan",
    "queued": "cyan",
    "stale": "yellow",
    "failed": "red",
    "interrupted": "red",
}
REQUEST_CLASSES = (
    ("library_listing", "listing"),
    ("track_page", "pages"),
    ("search", "search"),
    ("playlist_read", "playlist reads"),
    ("playlist_write", "playlist writes"),
    ("other", "other"),
)


BUILTIN_LABELS = {"plex": "Plex", "jellyfin": "Jellyfin"}


def target_label(target: tpb.Target.ValueType) -> str:
    return TARGET_LABELS.get(target, "all targets")


def destination(where: tpb.Destination) -> str:
    """A target by its label (Plex, Jellyfin), any other destination as SERVER[:USER]."""
    if not where.user and where.server in BUILTIN_LABELS:
        return BUILTIN_LABELS[where.server]
    return f"{where.server}:{where.user}" if where.user else where.server


class Addressed(Protocol):
    """A report's part: a destination, and the target it is when it is one."""

    @property
    def target(self) -> tpb.Target.ValueType: ...

    @property
    def destination(self) -> tpb.Destination: ...


def where(part: Addressed) -> str:
    """Where a report's part was written: its destination (a report of a service that
    predates destinations has only the target)."""
    if part.destination.server:
        return destination(part.destination)
    return target_label(part.target)


KIND_LABELS = {cpb.SERVER_KIND_PLEX: "Plex", cpb.SERVER_KIND_JELLYFIN: "Jellyfin"}


def server_label(status: cache_pb.CacheStatus) -> str:
    """How a cache's server is named for people: "Plex" for the built-in server (as
    always), "Plex server 'cabin'" for any other."""
    if status.target in TARGET_LABELS:
        return TARGET_LABELS[status.target]
    return f"{KIND_LABELS.get(status.kind, 'Media')} server {status.server!r}"


def overridden(override: cpb.MatchOverride) -> str:
    """Whose matching an override steers: a target by its label, another server by name."""
    if override.target in TARGET_LABELS:
        return TARGET_LABELS[override.target]
    return override.server or "?"


def word(name: str, prefix: str) -> str:
    """An enum value's name for people: CACHE_STATE_READY -> ready."""
    return name.removeprefix(prefix).replace("_", " ").lower()


def cache_state(state: cache_pb.CacheState.ValueType) -> str:
    return word(cache_pb.CacheState.Name(state), "CACHE_STATE_")


def sync_state(state: sync_pb.SyncState.ValueType) -> str:
    return word(sync_pb.SyncState.Name(state), "SYNC_STATE_")


def styled(text: str) -> Text:
    return Text(text, style=STATE_STYLES.get(text, ""))


def timestamp(value: Timestamp) -> str:
    if value.seconds == 0 and value.nanos == 0:
        return "-"
    return value.ToDatetime(tzinfo=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float) -> str:
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def track_counts(done: int, total: int) -> str:
    return f"{done:,}/{total:,} tracks" if total else f"{done:,} tracks"


def build_progress(progress: cache_pb.BuildProgress) -> str:
    """E.g. '45,000/100,000 tracks, fetching tracks, ETA 1m 05s'."""
    parts = [
        track_counts(progress.tracks_done, progress.tracks_total),
        word(cache_pb.BuildPhase.Name(progress.phase), "BUILD_PHASE_"),
    ]
    if progress.eta_seconds > 0:
        parts.append(f"ETA {duration(progress.eta_seconds)}")
    return ", ".join(parts)


def table(title: str | None, columns: Sequence[str]) -> Table:
    grid = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    return grid


def cells(*values: object) -> list[Text]:
    return [v if isinstance(v, Text) else Text(str(v)) for v in values]


def line(console: Console, text: str, style: str = "") -> None:
    console.print(Text(text, style=style), soft_wrap=True)


def warnings(console: Console, items: Iterable[cpb.Warning], title: str = "Warnings") -> None:
    items = list(items)
    if not items:
        line(console, f"{title}: none", "green")
        return
    line(console, f"{title}:", "bold")
    for item in items:
        severity = word(cpb.WarningSeverity.Name(item.severity), "WARNING_SEVERITY_")
        line(console, f"  [{severity}] {item.message}", SEVERITY_STYLES.get(item.severity, ""))
        if item.HasField("fix") and item.fix.action != cpb.FIX_ACTION_UNSPECIFIED:
            hint = fix_hint(item.fix)
            line(console, f"      fix: {item.fix.label}{f' ({hint})' if hint else ''}")


def fix_hint(fix: cpb.Fix) -> str:
    """The command that applies a fix by hand, when there is one."""
    name = TARGET_LABELS.get(fix.target, "").upper()
    server = fix.server or name.lower()
    if fix.action == cpb.FIX_ACTION_ENABLE_LIBRARY_CACHE and name:
        return f"cmdarr config set LIBRARY_CACHE_{name}_ENABLED=true"
    if fix.action == cpb.FIX_ACTION_ENABLE_LIBRARY_CACHE and server:
        return f"cmdarr server update {server} --library-cache"
    if fix.action == cpb.FIX_ACTION_BUILD_CACHE_NOW and server:
        return f"cmdarr cache build {server}"
    return ""


def notifications(console: Console, items: Iterable[cpb.Notification]) -> None:
    for item in items:
        line(console, f"* {item.message}", "cyan")


def cache_statuses(console: Console, statuses: Iterable[cache_pb.CacheStatus]) -> None:
    grid = table(
        "Library caches", ["Server", "Kind", "State", "Tracks", "Libraries", "Built", "Detail"]
    )
    for status in statuses:
        name, state, tracks, libraries = cache_row(status)
        kind = Text(KIND_LABELS.get(status.kind, "-"))
        grid.add_row(
            name, kind, state, tracks, libraries, Text(timestamp(status.built_at)),
            cache_detail(status),
        )  # fmt: skip
    console.print(grid)


def cache_row(status: cache_pb.CacheStatus) -> list[Text]:
    libraries = ", ".join(status.library_names) or str(status.library_count or "-")
    return cells(
        status.server or target_label(status.target),
        styled(cache_state(status.state)),
        f"{status.track_count:,}",
        libraries,
    )


def cache_detail(status: cache_pb.CacheStatus) -> Text:
    if status.state == cache_pb.CACHE_STATE_BUILDING:
        return Text(build_progress(status.progress), style="cyan")
    if status.last_error:
        return Text(status.last_error, style="red")
    return Text("")


def request_counts(requests: sync_pb.RequestCounts) -> str:
    shown = [f"{label} {getattr(requests, name)}" for name, label in REQUEST_CLASSES]
    total = sum(getattr(requests, name) for name, _ in REQUEST_CLASSES)
    return f"{total} ({', '.join(shown)})"


def sync_summary(console: Console, report: sync_pb.SyncReport) -> None:
    state = sync_state(report.progress.state)
    what = f"command {report.command_name}" if report.command_name else "inline spec"
    dry = " (dry run)" if report.dry_run else ""
    line(console, f"Sync run {report.run_id} ({what}){dry}: {state}", STATE_STYLES.get(state, ""))
    line(
        console, f"Started {timestamp(report.started_at)}, finished {timestamp(report.finished_at)}"
    )
    grid = table(
        None,
        ["Target", "Matched", "Unmatched", "Added", "Removed", "Writes", "Requests", "Playlist"],
    )
    for target in report.targets:
        grid.add_row(
            *cells(
                where(target),
                target.matched,
                target.unmatched,
                target.items_added,
                target.items_removed,
                target.writes,
                request_counts(target.requests),
                target.playlist_id or "-",
            )
        )
    console.print(grid)
    for target in report.targets:
        for text in target.warnings:
            line(console, f"{where(target)}: warning: {text}", "yellow")
        if target.error:
            line(console, f"{where(target)}: error: {target.error}", "red")
    if report.error:
        line(console, f"Error: {report.error}", "red")
    for arrival in report.lidarr_arrivals:
        track = arrival.track
        sent = arrival.sent_at.ToDatetime(tzinfo=UTC).strftime("%Y-%m-%d")
        line(
            console,
            f"Track {arrival.position + 1} ({', '.join(track.artists)} - {track.title}): now "
            f"found; was sent to Lidarr on {sent} ({arrival.album})",
            "green",
        )
    if report.lidarr_note:
        line(console, report.lidarr_note)


def candidate(result: cache_pb.MatchResult) -> str:
    best = result.best_candidate
    if not best.item_id and not best.title:
        return "-"
    return f"{best.artist} - {best.title} ({best.confidence:.2f})"


def method(value: cache_pb.MatchMethod.ValueType) -> str:
    """MATCH_METHOD_OVERRIDE -> OVERRIDE: how a track was matched (or decided)."""
    return cache_pb.MatchMethod.Name(value).removeprefix("MATCH_METHOD_")


def unmatched(console: Console, report: sync_pb.SyncReport, at: str = "") -> None:
    """The unmatched tracks, at one destination (SERVER[:USER]) or at all."""
    misses = unmatched_export.misses(report, at)
    if not misses:
        line(console, "Every track matched.", "green")
        return
    grid = table(
        f"Unmatched tracks ({len(misses)})",
        ["#", "Target", "Artist", "Title", "Method", "Confidence", "Reason", "Best candidate"],
    )
    for miss in misses:
        grid.add_row(
            *cells(
                miss.position + 1,
                where(miss),
                ", ".join(miss.track.artists) or "-",
                miss.track.title,
                method(miss.result.method),
                f"{miss.result.confidence:.2f}",
                miss.result.reason or "-",
                candidate(miss.result),
            )
        )
    console.print(grid)


def outcomes(console: Console, report: sync_pb.SyncReport) -> None:
    """Every track on every target: where its match came from, method, confidence, why."""
    grid = table(
        f"Tracks ({len(report.tracks)})",
        ["#", "Target", "Artist", "Title", "Via", "Method", "Confidence", "Reason", "Item"],
    )
    for item in report.tracks:
        grid.add_row(
            *cells(
                item.position + 1,
                where(item),
                ", ".join(item.track.artists) or "-",
                item.track.title,
                word(sync_pb.MatchSource.Name(item.source), "MATCH_SOURCE_"),
                method(item.result.method),
                f"{item.result.confidence:.2f}",
                item.result.reason or "-",
                item.result.match.item_id or "-",
            )
        )
    console.print(grid)


def sync_list(console: Console, syncs: Iterable[sync_pb.SyncSummary], title: str) -> None:
    grid = table(title, ["Run", "Command", "State", "Matched", "Unmatched", "Started"])
    for item in syncs:
        grid.add_row(
            *cells(
                item.run_id,
                item.command_name or "(inline)",
                styled(sync_state(item.progress.state)),
                item.matched,
                item.unmatched,
                timestamp(item.started_at),
            )
        )
    console.print(grid)
