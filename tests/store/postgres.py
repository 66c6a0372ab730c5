"""A throwaway PostgreSQL server for tests: initdb + pg_ctl in a temporary directory."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "find_bindir"]


def find_bindir() -> Path | None:
    """Debian's server binaries (/usr/lib/postgresql/<version>/bin), else those on PATH."""
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """One PostgreSQL cluster on 127.0.0.1; run as the `postgres` user when we are root."""

    bindir: Path
    root: Path
    port: int
    user: str | None

    @classmethod
    def create(cls, bindir: Path) -> PostgresServer:
        root = Path(tempfile.mkdtemp(prefix="voxline-pg-"))
        user = None
        if os.geteuid() == 0:  # initdb refuses root; Debian's package creates `postgres`
            user = "postgres"
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        server = cls(bindir, root, _free_port(), user)
        server._run("initdb", "-D", str(root / "data"), "-U", "voxline", "--auth=trust",
                    "-E", "UTF8", "--no-sync")  # fmt: skip
        server.start()
        return server

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.bindir / tool), *args],
            capture_output=True,
            text=True,
            user=self.user,
            cwd=self.root,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr or done.stdout}")

    @property
    def admin_url(self) -> str:
        """The maintenance database, for CREATE DATABASE."""
        return f"postgresql://voxline@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        """The SQLAlchemy async URL of one database."""
        return f"postgresql+asyncpg://voxline@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start (or restart) the server on the same port; returns once it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "log"),
                  "-o", options, "-w", "start")  # fmt: skip

    def stop(self) -> None:
        """Stop the server at once (connections are cut)."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")

    def destroy(self) -> None:
        """Stop the server and remove its files."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
