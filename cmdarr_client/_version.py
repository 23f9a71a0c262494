"""The client package's version (the wheel's version comes from here)."""

VERSION = "0.1.0"
