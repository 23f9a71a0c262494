"""Plex and Jellyfin emulators: the API subset of docs/TARGETS.md over real HTTP, for tests,
benchmarks and demos. Start them in-process (``emulators.server``) or as ``python -m
emulators``."""
