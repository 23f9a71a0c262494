"""User-facing wording the tests hold the product to, word for word."""

PERFORMANCE_WARNING = (
    "Performance Warning: Playlist sync targeting Plex is enabled but library cache is "
    "disabled. This may cause slow performance and timeouts. Consider enabling library "
    "cache for better performance."
)
