"""Structured (JSON) logs with secrets redacted from every line, tracebacks included; a
line logged inside a trace span carries its ``trace_id`` and ``span_id``."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from opentelemetry import trace

# Credentials in the shapes they take in URLs, headers and messages.
_SECRET_PATTERNS = (
    re.compile(
        r"(?i)(x-plex-token|api_key|access_token|token|client_secret)([=:]\s*\"?)[^\s&\"',;]+"
    ),
    re.compile(r"(?i)(Bearer\s+)[^\s\"',;]+"),
    re.compile(r"(?i)(MediaBrowser\s+Token=\")[^\"]*"),
)
MASK = "***"

# Libraries that log more than a service may, at the level each is held to:
# - httpx logs every request URL at INFO; a URL may carry a credential in its query;
# - aiosqlite logs every statement with its parameters at DEBUG: a stored token, and the
#   megabytes of an index image, formatted into one line.
LIBRARY_LEVELS = {"httpx": logging.WARNING, "aiosqlite": logging.INFO}


class Redactor:
    """Removes known secret values and credential-shaped substrings from text."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        """Remember a secret value so that it never appears in a log line."""
        if len(value) >= 4:
            with self._lock:
                self._values.add(value)

    def redact(self, text: str) -> str:
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            text = text.replace(value, MASK)
        for pattern in _SECRET_PATTERNS:
            text = pattern.sub(
                lambda m: (m.group(1) + (m.group(2) if m.lastindex == 2 else "")) + MASK, text
            )
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line; every field passes through the redactor."""

    def __init__(self, service: str, redactor: Redactor) -> None:
        super().__init__()
        self._service = service
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:  # a line emitted inside a span names it, to join logs and traces
            entry["trace_id"] = trace.format_trace_id(span.trace_id)
            entry["span_id"] = trace.format_span_id(span.span_id)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        clean = {k: self._redactor.redact(v) if isinstance(v, str) else v for k, v in entry.items()}
        return self._redactor.redact(json.dumps(clean, default=str, ensure_ascii=False))


def configure_logging(
    service: str, level: str = "INFO", secrets: Iterable[str | None] = ()
) -> Redactor:
    """Send every log record to stderr as redacted JSON; return the redactor to feed.
    ``secrets`` are known from the start (the API key from the environment)."""
    redactor = Redactor()
    for secret in secrets:
        if secret:
            redactor.add(secret)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service, redactor))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name, library_level in LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(library_level)
    return redactor
