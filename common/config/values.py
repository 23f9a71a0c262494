"""Raw setting values read as their types: what a service that follows or reveals the
configuration holds, and what its decisions read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from common.config.registry import Registry, Value


@dataclass(frozen=True)
class SettingValues:
    """Setting values in their stored string form; a missing or empty one means the
    registry's default."""

    registry: Registry
    raw: Mapping[str, str]

    def __repr__(self) -> str:
        """The values with every secret masked: a repr lands in logs and tracebacks."""
        shown = {
            key: "***" if key in self.registry and self.registry[key].secret and value else value
            for key, value in self.raw.items()
        }
        return f"SettingValues({shown!r})"

    def typed(self, key: str) -> Value:
        spec = self.registry[key]
        return spec.parse(self.raw.get(key) or spec.default)

    def flag(self, key: str) -> bool:
        return bool(self.typed(key))

    def number(self, key: str) -> float:
        value = self.typed(key)
        return float(value) if isinstance(value, int | float) else 0.0

    def integer(self, key: str) -> int:
        return int(self.number(key))

    def names(self, key: str) -> tuple[str, ...]:
        value = self.typed(key)
        return value if isinstance(value, tuple) else ()

    def text(self, key: str) -> str:
        return self.raw.get(key, "")
