"""Process life of a service: start-up, serving, logs, traces, metrics, health probes and
shutdown."""
