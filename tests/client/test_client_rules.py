"""The client's pure rules: one vocabulary for both clients, request building, backoff, the
config watch's position, options from the environment."""

from __future__ import annotations

import inspect
import random
from pathlib import Path

import pytest
from cmdarr.config.v1 import config_pb2 as pb

from cmdarr_client import AsyncClient, Client, ClientOptions, ConfigProgress, Retry
from cmdarr_client.requests import run_sync, setting_changes
from cmdarr_client.watching import ConfigWatch


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_")
    }


def test_both_clients_speak_one_vocabulary() -> None:
    blocking, asynchronous = public_methods(Client), public_methods(AsyncClient)
    assert blocking.keys() == asynchronous.keys()
    for name, signature in blocking.items():
        assert list(signature.parameters) == list(asynchronous[name].parameters), name
        defaults = [p.default for p in signature.parameters.values()]
        assert defaults == [p.default for p in asynchronous[name].parameters.values()], name
        member = vars(AsyncClient)[name]
        if name != "from_env":
            assert inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member), name
    assert {"watch_config", "wait_for_cache", "run_sync", "status"} <= blocking.keys()


def test_setting_changes_in_canonical_text() -> None:
    changes = setting_changes({"A": True, "B": False, "C": 3, "D": 0.5, "E": "x", "F": None})
    assert [(c.key, c.value, c.reset) for c in changes] == [
        ("A", "true", False), ("B", "false", False), ("C", "3", False),
        ("D", "0.5", False), ("E", "x", False), ("F", "", True),
    ]  # fmt: skip


def test_a_run_takes_a_command_or_a_spec_never_both() -> None:
    with pytest.raises(ValueError, match="not both"):
        run_sync(None, None, False)
    assert run_sync("weekly", None, True).command_name == "weekly"


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    retry = Retry(initial_backoff=0.1, max_backoff=1.0, jitter=random.Random(7))
    for failures, cap in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.0), (9, 1.0)]:
        delays = [retry.delay(failures) for _ in range(50)]
        assert all(cap / 2 <= d <= cap for d in delays), failures
        assert len(set(delays)) > 1


def message(kind: pb.WatchResponseKind.ValueType, revision: int) -> pb.WatchConfigResponse:
    return pb.WatchConfigResponse(kind=kind, revision=revision)


def test_the_config_watch_position() -> None:
    position = ConfigWatch(10, progress=False, progress_interval_ms=0)
    assert position.request().after_revision == 10
    assert position.accept(message(pb.WATCH_RESPONSE_KIND_EVENTS, 10)) is None
    assert position.accept(message(pb.WATCH_RESPONSE_KIND_PROGRESS, 11)) is None
    change = position.accept(message(pb.WATCH_RESPONSE_KIND_EVENTS, 11))
    assert change is not None
    assert change.revision == 11
    assert position.request().after_revision == 11

    noisy = ConfigWatch(0, progress=True, progress_interval_ms=500)
    assert noisy.request().progress_interval_ms == 500
    assert noisy.accept(message(pb.WATCH_RESPONSE_KIND_PROGRESS, 4)) == ConfigProgress(4)


def test_options_from_the_environment_hide_the_key_and_the_ca(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nsecret-ca\n")
    options = ClientOptions.from_env(
        {
            "CMDARR_CONFIG_ADDR": "10.0.0.5:50051,10.0.0.6:50051",
            "CMDARR_CACHE_ADDR": "dns:///cache:50052",
            "CMDARR_API_KEY": "k-env-0123",
            "CMDARR_TLS_CA": str(tmp_path / "ca.pem"),
        }
    )
    assert options.addresses == {
        "config": "10.0.0.5:50051,10.0.0.6:50051",
        "cache": "dns:///cache:50052",
        "sync": "127.0.0.1:50053",
        "gateway": "127.0.0.1:50054",
    }
    assert options.metadata() == (("authorization", "Bearer k-env-0123"),)
    assert options.ca is not None
    assert "k-env-0123" not in repr(options)
    assert "secret-ca" not in repr(options)
    listed = ClientOptions.build(config=["10.0.0.5:50051", "10.0.0.6:50051"])
    assert listed.addresses["config"] == "10.0.0.5:50051,10.0.0.6:50051"
    assert listed.metadata() == ()
