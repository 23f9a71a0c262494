#!/bin/sh
# Usage: release/install-lock.sh PYTHON VENV LOCK
#
# Creates the virtualenv VENV with PYTHON's own venv module and installs LOCK into it,
# every file checked against its hash. `make install` and the Dockerfile both install
# through this script, and a test runs it against a newer release of a locked package.
#
# The lock's own pip goes in first, by its hash, before anything else: the pip that
# `python -m venv` brings may be years old, and pip before 23.3 does not apply a pin to a
# requirement that names an extra (pytest-cov's `coverage[toml]>=...`), so it picks the
# newest release on the index and then refuses it as unpinned. With the lock's pip doing
# the resolving, the lock installs as written, whatever has been released since.
#
# A lock that pins uv (the development lock) is then installed by that uv, by its hash
# too: the same pins and the same hash checks, with downloads, unpacking and bytecode
# compilation in parallel, in about half of pip's time. The runtime lock has no uv: the
# image installs with pip alone.
set -eu
if [ $# -ne 3 ]; then
  echo "usage: $0 PYTHON VENV LOCK" >&2
  exit 2
fi
python=$1 venv=$2 lock=$3

pins=$(mktemp)
trap 'rm -f "$pins"' EXIT
# The lock's entry for a package: its pin line and the hash lines continuing it.
entry() {
  awk -v pin="^$1==" '$0 ~ pin { keep = 1 } keep { print } keep && !/\\$/ { exit }' "$lock"
}
entry pip >"$pins"
if ! grep -q '^pip==' "$pins"; then
  echo "$lock pins no pip: compile it with release/pip.in (see make lock)" >&2
  exit 1
fi

"$python" -m venv "$venv"
pip="$venv/bin/python -m pip --disable-pip-version-check"
$pip install --quiet --require-hashes --no-deps -r "$pins"
entry uv >"$pins"
# uv reads its own settings (UV_INDEX_URL and the like), not pip's: where it cannot
# install (an index only pip is configured for), pip installs the same lock.
if ! { grep -q '^uv==' "$pins" && $pip install --quiet --require-hashes --no-deps -r "$pins" \
    && "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --require-hashes \
      --compile-bytecode -r "$lock"; }; then
  $pip install --quiet --require-hashes -r "$lock"
fi
