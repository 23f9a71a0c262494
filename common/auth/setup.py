"""A service's key at start: decided by the policy, taken from the environment or the key
file, generated when required and missing. Blocking (file access): run it in a thread."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from common.auth.keys import ROTATION_GRACE_SECONDS, KeyRing
from common.auth.policy import (
    AuthConfigError,
    AuthDecision,
    AuthMode,
    decide,
    exposed_addresses,
    parse_mode,
)
from common.auth.store import KeyFileError, create_once, key_path, read_key

SECRET_COMMAND = (
    "kubectl -n cmdarr create secret generic cmdarr-secrets"
    ' --from-literal=api-key="$(openssl rand -hex 32)"'
)


@dataclass(frozen=True)
class AuthSetup:
    mode: AuthMode
    decision: AuthDecision
    ring: KeyRing
    source: str  # "CMDARR_API_KEY", "file", "generated" or "none"
    path: Path | None  # the key file to follow for rotations (None: nothing to follow)


def _grace(environ: Mapping[str, str]) -> float:
    text = environ.get("CMDARR_AUTH_GRACE_SECONDS", "").strip()
    try:
        return float(text) if text else ROTATION_GRACE_SECONDS
    except ValueError:
        raise AuthConfigError(f"CMDARR_AUTH_GRACE_SECONDS={text!r} is not a number") from None


def resolve(environ: Mapping[str, str]) -> AuthSetup:
    """The mode, the decision and the key ring for a process started with ``environ``."""
    mode = parse_mode(environ.get("CMDARR_AUTH"))
    grace = _grace(environ)
    decision = decide(mode, exposed_addresses(environ))
    if mode is AuthMode.OFF:
        return AuthSetup(mode, decision, KeyRing(None), "none", None)
    given = environ.get("CMDARR_API_KEY", "").strip()
    if given:
        return AuthSetup(mode, decision, KeyRing(given), "CMDARR_API_KEY", None)
    path, named = key_path(environ)
    try:
        key = read_key(path)
        source = "file"
        if key is None and decision.required:
            if named:
                raise AuthConfigError(
                    f"a key is required ({_why(mode, decision)}) but CMDARR_API_KEY_FILE={path}"
                    " does not exist; on Kubernetes create the Secret first: " + SECRET_COMMAND
                )
            key, created = create_once(path)
            source = "generated" if created else "file"
    except KeyFileError as exc:
        raise AuthConfigError(str(exc)) from None
    except PermissionError as exc:
        raise AuthConfigError(f"cannot create the API key file {path}: {exc.strerror}") from None
    return AuthSetup(mode, decision, KeyRing(key, grace=grace), source if key else "none", path)


def _why(mode: AuthMode, decision: AuthDecision) -> str:
    if mode is AuthMode.REQUIRED:
        return "CMDARR_AUTH=required"
    return "listening beyond loopback on " + ", ".join(decision.exposed)
