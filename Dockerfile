# syntax=docker/dockerfile:1
#
# One image for every cmdarr service; the command picks which one runs:
#   docker run IMAGE python -m config_svc   (or cache_svc, sync_svc, gateway, emulators)
# Without a command it runs the whole stack in one container (python -m common.launcher).

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

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# Dependencies first, from pyproject.toml alone, so that a source change keeps this layer.
# The project itself is not installed: the code runs from the source tree (PYTHONPATH).
COPY pyproject.toml ./
RUN python - <<'EOF'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
# The code generator's plugin (protoc-gen-mypy) comes from the dev extras.
plugin = [d for d in project["optional-dependencies"]["dev"] if d.startswith("mypy-protobuf")]
open("requirements.txt", "w").write("\n".join(project["dependencies"]) + "\n")
open("requirements-gen.txt", "w").write("\n".join(plugin) + "\n")
EOF
RUN pip install --upgrade pip \
    && pip install -r requirements.txt -r requirements-gen.txt

COPY . .

# Generate the gRPC code, then drop the generator's plugin: the runtime needs neither.
RUN rm -rf gen \
    && python protos/generate.py gen \
    && pip uninstall --yes mypy-protobuf \
    && rm -f requirements.txt requirements-gen.txt \
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

CMD ["python", "-m", "common.launcher"]
