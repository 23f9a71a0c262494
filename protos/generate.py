"""Generate the Python code (messages, gRPC stubs and their type stubs) for every proto.

Usage: python protos/generate.py [--no-type-stubs] OUT_DIR

The Makefile runs it into gen/; a test runs it into a temporary folder and compares, so
the code in gen/ is always exactly what these protos produce. The container image passes
--no-type-stubs: the code runs without the .pyi files, and their generator
(mypy-protobuf) is a development dependency the runtime lock leaves out.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

PROTO_ROOT = Path(__file__).resolve().parent


def proto_files() -> list[Path]:
    return sorted(PROTO_ROOT.rglob("*.proto"))


def type_stub_args(out_dir: Path) -> list[str]:
    """protoc's arguments for the .pyi files, from mypy-protobuf's plugins beside python."""
    bin_dir = str(Path(sys.executable).parent)
    return [
        f"--plugin=protoc-gen-mypy={shutil.which('protoc-gen-mypy', path=bin_dir)}",
        f"--plugin=protoc-gen-mypy_grpc={shutil.which('protoc-gen-mypy_grpc', path=bin_dir)}",
        f"--mypy_out={out_dir}",
        f"--mypy_grpc_out={out_dir}",
    ]


def generate(out_dir: Path, type_stubs: bool = True) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *(type_stub_args(out_dir) if type_stubs else []),
        *(str(p.relative_to(PROTO_ROOT)) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    # Regular packages (not namespace packages) so that mypy and importers agree.
    for folder in [p for p in out_dir.rglob("*") if p.is_dir()]:
        (folder / "__init__.py").touch()
    (out_dir / "py.typed").touch()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--no-type-stubs", dest="type_stubs", action="store_false")
    arguments = parser.parse_args()
    generate(arguments.out_dir, type_stubs=arguments.type_stubs)
