"""What a server's name may be: a lower-case DNS label. config_svc refuses any other name
for a server it stores; cache_svc and the callers check a name they are given the same
way, so a bad one is INVALID_ARGUMENT naming its field everywhere."""

from __future__ import annotations

import re

from common.errors import FieldViolation

NAME_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def check_server_name(name: str, field: str) -> list[FieldViolation]:
    """The problems of ``name`` as a server name, naming ``field``; none when valid."""
    if not name:
        return [FieldViolation(field, "is required")]
    if not NAME_PATTERN.fullmatch(name):
        return [
            FieldViolation(
                field,
                f"{_shown(name)} is not a valid server name: use a lower-case DNS label, 1-63 "
                "lower-case letters, digits or '-', starting and ending with a letter or digit",
            )
        ]
    return []
