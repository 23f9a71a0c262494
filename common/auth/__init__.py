"""Authentication: when a key is required (policy), where it lives (store), how it is
checked (keys), how browsers hold it (sessions), and how guessing is slowed (limiter)."""
