"""cmdarr: the command-line client of the cmdarr services (status, settings, caches, syncs)."""
