"""Raw HTTP against the emulators: the headers a Jellyfin client authenticates with, and the
TLS context test clients share."""

from __future__ import annotations

import ssl
from functools import cache

import httpx

JF_AUTH = 'MediaBrowser Token="{}", Client="tests", Device="t", DeviceId="t", Version="1"'


@cache
def client_tls() -> ssl.SSLContext:
    """httpx's default TLS context, built once: each httpx client builds its own otherwise,
    and loading the CA bundle costs more CPU (about 25 ms) than most tests' requests. Pass it
    as ``verify=`` to clients of the loopback emulators and fakes, which speak plain HTTP."""
    return httpx.create_ssl_context()
