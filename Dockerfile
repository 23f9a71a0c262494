# syntax=docker/dockerfile:1
#
# One image for every cmdarr service; the command picks which one runs:
#   docker run IMAGE python -m config_svc   (or cache_svc, sync_svc, gateway, emulators)
# Without a command it runs the whole stack in one container (python -m common.runtime.launcher).

ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: a virtualenv with the runtime dependencies, and the generated gRPC code ---
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# Compilers stay in this stage, for any dependency without a wheel for the platform.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# Dependencies first, so that a source change keeps this layer: the runtime lock
# (requirements.lock, the runtime half of requirements-dev.lock: the same versions, every
# file checked against its hash), installed by the lock's own pip exactly as `make install`
# installs the development lock. The project itself is not installed: the code runs from
# the source tree (PYTHONPATH).
COPY requirements.lock ./
COPY release/install-lock.sh release/
RUN sh release/install-lock.sh python /opt/venv requirements.lock

COPY . .

# Generate the gRPC code; the type stubs (.pyi) are for development, not for running.
RUN rm -rf gen \
    && python protos/generate.py --no-type-stubs gen \
    && python -m compileall -q /src

# --- runtime: the venv, the source and gen/; no compilers, not root ---
FROM ${PYTHON_IMAGE} AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app:/app/gen \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CMDARR_DATA_DIR=/data

RUN groupadd --system --gid 10001 cmdarr \
    && useradd --system --uid 10001 --gid cmdarr --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin cmdarr \
    && mkdir /data \
    && chown cmdarr:cmdarr /data

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /src /app

WORKDIR /app
# Each service keeps its SQLite database here (one file per service); mount a volume.
# SQLite serves one replica per file; replicas share PostgreSQL (CMDARR_DATABASE_URL).
VOLUME ["/data"]

# gRPC: config 50051, cache 50052, sync 50053, gateway 50054; gateway HTTP 8080.
EXPOSE 50051 50052 50053 50054 8080

# Numeric, so that Kubernetes can check runAsNonRoot against the image.
USER 10001:10001

CMD ["python", "-m", "common.runtime.launcher"]
