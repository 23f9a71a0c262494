"""cmdarr.sync.v1.SyncService over gRPC: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc

from common.errors import FieldViolation, check
from sync_svc import convert
from sync_svc.config_client import ConfigClient
from sync_svc.cover_store import CoverStore
from sync_svc.lidarr import convert as lidarr_convert
from sync_svc.lidarr.checks import LidarrChecks
from sync_svc.lidarr.requests import RunHandoffs
from sync_svc.runner import SyncRunner
from sync_svc.server_checks import ServerChecks
from sync_svc.server_users import ServerUsers

Context = grpc.aio.ServicerContext[Any, Any]


class SyncServicer(sync_pb2_grpc.SyncServiceServicer):
    def __init__(
        self,
        runner: SyncRunner,
        config: ConfigClient,
        checks: ServerChecks,
        users: ServerUsers,
        lidarr_checks: LidarrChecks,
        lidarr: RunHandoffs,
        covers: CoverStore,
    ) -> None:
        self._runner = runner
        self._config = config
        self._checks = checks
        self._users = users
        self._lidarr_checks = lidarr_checks
        self._lidarr = lidarr
        self._covers = covers

    async def RunSync(self, request: pb.RunSyncRequest, context: Context) -> pb.RunSyncResponse:
        which = request.WhichOneof("what")
        check([FieldViolation("what", "give command_name or spec")] if which is None else [])
        if which == "command_name":
            spec = await self._config.playlist_spec(request.command_name)
        else:
            spec = convert.spec_from_pb(request.spec)
        return pb.RunSyncResponse(run_id=await self._runner.start(spec, dry_run=request.dry_run))

    async def WatchSync(
        self,
        request: pb.WatchSyncRequest,
        context: Context,
    ) -> AsyncIterator[pb.WatchSyncResponse]:
        check([FieldViolation("run_id", "is required")] if not request.run_id else [])
        async for progress in self._runner.runs.follow(request.run_id):
            yield pb.WatchSyncResponse(progress=convert.progress_to_pb(progress))

    async def GetSyncReport(
        self,
        request: pb.GetSyncReportRequest,
        context: Context,
    ) -> pb.GetSyncReportResponse:
        check([FieldViolation("run_id", "is required")] if not request.run_id else [])
        return pb.GetSyncReportResponse(
            report=convert.report_to_pb(await self._runner.runs.report(request.run_id))
        )

    async def ListSyncs(
        self,
        request: pb.ListSyncsRequest,
        context: Context,
    ) -> pb.ListSyncsResponse:
        check(
            [FieldViolation("limit", "must be between 0 and 500")]
            if not 0 <= request.limit <= 500
            else []
        )
        reports = await self._runner.recent(request.limit or 20)
        return pb.ListSyncsResponse(syncs=[convert.summary_to_pb(r) for r in reports])

    async def TestServer(
        self,
        request: pb.TestServerRequest,
        context: Context,
    ) -> pb.TestServerResponse:
        check([FieldViolation("name", "is required")] if not request.name else [])
        return convert.server_check_to_pb(await self._checks.check(request.name))

    async def ListServerUsers(
        self,
        request: pb.ListServerUsersRequest,
        context: Context,
    ) -> pb.ListServerUsersResponse:
        check([FieldViolation("server", "is required")] if not request.server else [])
        users = await self._users.of(request.server)
        return pb.ListServerUsersResponse(users=[convert.server_user_to_pb(u) for u in users])

    async def TestLidarr(
        self,
        request: pb.TestLidarrRequest,
        context: Context,
    ) -> pb.TestLidarrResponse:
        return lidarr_convert.lidarr_check_to_pb(*await self._lidarr_checks.check())

    async def PreviewLidarr(
        self,
        request: pb.PreviewLidarrRequest,
        context: Context,
    ) -> pb.PreviewLidarrResponse:
        check([FieldViolation("run_id", "is required")] if not request.run_id else [])
        return lidarr_convert.preview_to_pb(await self._lidarr.preview(request.run_id))

    async def SendToLidarr(
        self,
        request: pb.SendToLidarrRequest,
        context: Context,
    ) -> pb.SendToLidarrResponse:
        check([FieldViolation("run_id", "is required")] if not request.run_id else [])
        plan = await self._lidarr.send(request.run_id, list(request.albums))
        return lidarr_convert.sent_to_pb(plan)

    async def GetCover(self, request: pb.GetCoverRequest, context: Context) -> pb.GetCoverResponse:
        cover = await self._covers.get(request.key)
        return pb.GetCoverResponse(content_type=cover.content_type, image=cover.image)
