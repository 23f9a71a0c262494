"""What Lidarr said when it refused a request: its FluentValidation failures (a 400's
JSON list of ``{propertyName, errorMessage, ...}``) or its ErrorModel (``{message}``),
read from the start of the body the transport kept (docs/TARGETS.md "Lidarr")."""

from __future__ import annotations

import json

from common.targets.errors import TargetRejected


def refusal_text(exc: TargetRejected) -> str:
    """Lidarr's own words for the refusal, else the transport's message."""
    try:
        body = json.loads(exc.body) if exc.body else None
    except ValueError:
        body = None
    if isinstance(body, list):
        said = [
            f"{item.get('propertyName', '')}: {item.get('errorMessage', '')}".strip(": ")
            for item in body
            if isinstance(item, dict)
        ]
        if said:
            return "; ".join(said)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return exc.message
