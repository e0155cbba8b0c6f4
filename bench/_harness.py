"""What the benches share: a free loopback port, the app under uvicorn in a subprocess, waiting for it,
the reference endpoint's place among the routes, and percentiles."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time

import httpx
from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(factory: str, port: int, env: dict[str, str], workers: int) -> subprocess.Popen[str]:
    """uvicorn serving `factory` ("bench.module:function") on 127.0.0.1:port."""
    command = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(command, env=env, text=True)  # noqa: S603


async def wait_up(url: str, *, seconds: float = 60.0) -> None:
    # Generous: on a busy 2-core machine importing the app alone can take several seconds.
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def reference_beside(application: FastAPI, router: APIRouter) -> None:
    """Move the route added last (the bench's reference) to just before `router`'s routes. Routes are
    matched one by one, about 0.4 ms for one behind all the console's: left at the end, the reference
    paid that and the endpoint it is compared with did not, which flattered the ratio."""
    routes = application.router.routes
    reference = routes.pop()
    index = next(i for i, route in enumerate(routes) if getattr(route, "original_router", None) is router)
    routes.insert(index, reference)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command, parent pid, CPU seconds) of a live process, from /proc/<pid>/stat: its own and its
    reaped children's, so that a process that exits (a database connection closed) keeps counting."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            raw = f.read()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return name, int(fields[1]), sum(int(t) for t in fields[11:15]) / _TICK


class CpuMeter:
    """CPU seconds spent by a process and its children, and by every PostgreSQL process, between two
    readings: what a request costs the server, the fake WeChat and the database (Linux only).
    Less noisy than requests per second on a shared machine, and it shows where a ratio comes from."""

    def __init__(self, **roots: int) -> None:
        self.roots = roots

    def read(self) -> dict[str, float]:
        stats = {pid: s for pid in map(int, filter(str.isdigit, os.listdir("/proc"))) if (s := _stat(pid))}
        totals = {name: 0.0 for name in (*self.roots, "postgres")}
        for pid, (command, _, seconds) in stats.items():
            if command == "postgres":
                totals["postgres"] += seconds
                continue
            ancestor = pid
            while ancestor in stats:
                owner = next((n for n, root in self.roots.items() if root == ancestor), None)
                if owner is not None:
                    totals[owner] += seconds
                    break
                ancestor = stats[ancestor][1]
        return totals

    @staticmethod
    def per_request_ms(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
        return {k: round((after[k] - before[k]) * 1000 / max(requests, 1), 2) for k in before}


async def driver_execute(conn: AsyncConnection, sql: str) -> None:
    """SQL text run by the driver itself: several statements at once, or VACUUM outside a transaction."""
    raw = await conn.get_raw_connection()
    assert raw.driver_connection is not None
    await raw.driver_connection.execute(sql)
