"""What the benches share: a free loopback port, the app under uvicorn in a subprocess, waiting for it,
the reference endpoint's place among the routes, and percentiles."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time

import httpx
from fastapi import APIRouter, FastAPI


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
