"""Browser sessions derived from the key: a cookie ``<id>.<issued>.<mac>`` where the mac is
an HMAC of the random id and its issue time under the key, so no session is stored and a
rotation ends every session. The CSRF token is another HMAC of the same id. Pure."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from common.auth.keys import same

SESSION_COOKIE = "cmdarr_session"
CSRF_COOKIE = "cmdarr_csrf"  # readable by the page's script, sent back as CSRF_HEADER
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 30 * 24 * 3600
CLOCK_SKEW_SECONDS = 300  # gateway replicas' clocks may differ this much


def _mac(key: str, purpose: str, message: str) -> str:
    return hmac.new(key.encode(), f"{purpose}:{message}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Session:
    cookie: str
    csrf: str


def new_session(key: str, now: float) -> Session:
    sid = secrets.token_urlsafe(18)
    issued = str(int(now))
    mac = _mac(key, "session", f"{sid}.{issued}")
    return Session(f"{sid}.{issued}.{mac}", csrf_token(key, sid))


def csrf_token(key: str, sid: str) -> str:
    return _mac(key, "csrf", sid)


def session_id(key: str, cookie: str, now: float) -> str | None:
    """The session's id when ``cookie`` was made with ``key`` and has not expired."""
    sid, _, rest = cookie.partition(".")
    issued, _, mac = rest.partition(".")
    if not sid or not issued.isdigit() or not mac:
        return None
    if not same(mac, _mac(key, "session", f"{sid}.{issued}")):
        return None
    if not -CLOCK_SKEW_SECONDS <= now - int(issued) < SESSION_SECONDS:
        return None
    return sid


def csrf_ok(key: str, sid: str, given: str) -> bool:
    return bool(given) and same(given, csrf_token(key, sid))
