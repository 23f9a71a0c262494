"""The key ring, sessions derived from the key, and the failure limiter."""

from __future__ import annotations

import pytest

from common.auth import sessions
from common.auth.keys import KeyRing, new_key, same
from common.auth.limiter import FailureLimiter, peer_host
from tests.support.clocks import SteppedClock


def test_keys_are_random_and_long() -> None:
    keys = {new_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(len(k) >= 43 for k in keys), "256 bits in URL-safe base64"


def test_comparison() -> None:
    assert same("abc", "abc")
    assert same(b"abc", "abc")
    assert not same("abc", "abd")
    assert not same("abc", "abcd")


def test_no_key_accepts_everything_a_key_only_itself() -> None:
    assert KeyRing(None).accepts("anything")
    assert not KeyRing(None).required
    ring = KeyRing("k1")
    assert ring.required
    assert ring.accepts("k1")
    assert not ring.accepts("k2")
    assert not ring.accepts("")


def test_the_previous_key_is_accepted_only_between_services_and_only_for_the_grace() -> None:
    clock = SteppedClock()
    ring = KeyRing("old", clock=clock, grace=10)
    assert ring.replace("new")
    assert not ring.replace("new"), "the same key again is no change"
    assert ring.current() == "new"
    assert ring.accepts("old", allow_previous=True)
    assert not ring.accepts("old"), "no grace for HTTP"
    clock.advance(10)
    assert not ring.accepts("old", allow_previous=True)
    assert ring.accepts("new", allow_previous=True)


def test_sessions_are_bound_to_the_key() -> None:
    made = sessions.new_session("key-1", now=1000)
    sid = sessions.session_id("key-1", made.cookie, now=1001)
    assert sid is not None
    assert sessions.csrf_ok("key-1", sid, made.csrf)
    assert not sessions.csrf_ok("key-1", sid, "")
    assert not sessions.csrf_ok("key-2", sid, made.csrf)
    assert sessions.session_id("key-2", made.cookie, now=1001) is None, "rotation ends it"
    assert "key-1" not in made.cookie


@pytest.mark.parametrize("cookie", ["", "a", "a.b.c", "a.12.", "..", "x.1000.00"])
def test_forged_cookies_are_refused(cookie: str) -> None:
    assert sessions.session_id("key-1", cookie, now=1001) is None


def test_sessions_expire() -> None:
    made = sessions.new_session("key-1", now=1000)
    assert sessions.session_id("key-1", made.cookie, now=1000 + sessions.SESSION_SECONDS) is None
    assert sessions.session_id("key-1", made.cookie, now=999) is not None, "another replica"
    assert sessions.session_id("key-1", made.cookie, now=1000 - 301) is None, "from the future"
    sid, issued, mac = made.cookie.split(".")
    forged = f"{sid}.{int(issued) + 5}.{mac}"
    assert sessions.session_id("key-1", forged, now=1001) is None, "the time is signed too"


def test_the_limiter_blocks_an_address_after_too_many_failures_for_a_window() -> None:
    clock = SteppedClock()
    limiter = FailureLimiter(limit=3, window=60, clock=clock)
    assert not limiter.failed("10.0.0.1")
    assert not limiter.failed("10.0.0.1")
    assert limiter.failed("10.0.0.1")
    assert limiter.blocked("10.0.0.1")
    assert not limiter.blocked("10.0.0.2"), "per address"
    assert 0 < limiter.retry_after("10.0.0.1") <= 60
    clock.advance(61)
    assert not limiter.blocked("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") == 0


def test_the_limiter_forgets_the_oldest_addresses_beyond_its_bound() -> None:
    limiter = FailureLimiter(limit=1, window=60, max_clients=2, clock=SteppedClock())
    for client in ("a", "b", "c"):
        limiter.failed(client)
    assert not limiter.blocked("a")
    assert limiter.blocked("b")
    assert limiter.blocked("c")


@pytest.mark.parametrize(
    ("peer", "host"),
    [("ipv4:127.0.0.1:5555", "127.0.0.1"), ("ipv6:[::1]:5555", "::1"), ("unix:/x", "unix:/x")],
)
def test_peer_hosts(peer: str, host: str) -> None:
    assert peer_host(peer) == host
