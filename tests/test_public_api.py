"""The curated public API, and the line between the pure core and the I/O adapters."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import voxline

SRC = Path(__file__).resolve().parents[1] / "src" / "voxline"
PURE_PACKAGES = ("core", "agents", "protocol")
IO_MODULES = {
    "asyncio",
    "websockets",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "socket",
    "aiohttp",
}


def test_all_lists_exactly_what_is_exported() -> None:
    assert sorted(voxline.__all__) == sorted(set(voxline.__all__))
    for name in voxline.__all__:
        assert hasattr(voxline, name), name
    assert voxline.__version__


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_packages_import_no_io(package: str) -> None:
    root = SRC / package
    if not root.exists():
        pytest.skip(f"{package} does not exist yet")
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.relative_to(SRC)} imports {n}"
                for n in names
                if n.split(".")[0] in IO_MODULES
            ]
    assert offenders == []
