"""Finds a PostgreSQL for the suite, then runs the command after `--` with TEST_DATABASE_URL set.

Order: TEST_DATABASE_URL if set; else the server on 127.0.0.1:5432; else a throwaway cluster made with the
local PostgreSQL binaries (initdb/pg_ctl), removed afterwards; else a clear message and exit code 3.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile

LOCAL_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres_user(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    if os.geteuid() == 0 and shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _throwaway_cluster(command: list[str]) -> int:
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        print(
            "No PostgreSQL for the tests: set TEST_DATABASE_URL, start a server on 127.0.0.1:5432, "
            "or install PostgreSQL's server binaries (initdb, pg_ctl).",
            file=sys.stderr,
        )
        return 3
    workdir = tempfile.mkdtemp(prefix="ssp-pg-")
    os.chmod(workdir, 0o777)  # noqa: S103  (the postgres user writes its cluster here)
    data = os.path.join(workdir, "data")
    port = _free_port()
    try:
        subprocess.run(  # noqa: S603
            _as_postgres_user([initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        opts = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(  # noqa: S603
            _as_postgres_user(
                [pg_ctl, "-D", data, "-o", opts, "-w", "-l", os.path.join(workdir, "log"), "start"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        env = dict(os.environ, TEST_DATABASE_URL=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres")
        print(f"testdb: throwaway PostgreSQL cluster on port {port}", file=sys.stderr)
        return subprocess.call(command, env=env)  # noqa: S603
    finally:
        subprocess.run(  # noqa: S603
            _as_postgres_user([pg_ctl, "-D", data, "-m", "fast", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv
    if not command:
        print("usage: python -m tests.support.testdb -- COMMAND...", file=sys.stderr)
        return 2
    if os.environ.get("TEST_DATABASE_URL"):
        return subprocess.call(command)  # noqa: S603
    if _port_open("127.0.0.1", 5432):
        return subprocess.call(command, env=dict(os.environ, TEST_DATABASE_URL=LOCAL_URL))  # noqa: S603
    return _throwaway_cluster(command)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
