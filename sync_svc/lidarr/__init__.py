"""Handing the albums a library lacks to Lidarr: the wanted albums of a run, the preview,
the send, the record of each hand-off, and the note a later run makes when a track sent
comes through (docs/ARCHITECTURE.md "Lidarr")."""
