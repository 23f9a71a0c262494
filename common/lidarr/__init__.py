"""Lidarr's API v1 as cmdarr uses it to hand over the albums a library lacks
(docs/TARGETS.md "Lidarr")."""
