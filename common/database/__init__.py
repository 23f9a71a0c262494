"""Each service's own database: the engine and its migrations, error mapping, health,
LISTEN/NOTIFY and replica locks."""
