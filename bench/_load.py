"""The benches' load generator: HTTP/1.1 over keep-alive connections, requests encoded before a phase
starts, responses parsed by httptools, on uvloop.

httpx spends a few milliseconds of CPU on each request it sends; on this 2-core machine that CPU comes
out of the server being measured, and at a fixed rate of a few hundred requests a second the client
alone took most of a core. This one spends tens of microseconds.

- `closed_loop`: C clients, each sending its next request as soon as the last is answered.
- `open_loop`: requests sent on a fixed schedule whatever the answers do; each latency runs from the
  time the request was due, so a server that falls behind is charged for the queue it builds (no
  coordinated omission), waiting for a free connection included.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlencode

import httptools
import uvloop


def _authority(base: str) -> str:
    # "http://127.0.0.1:8000" → "127.0.0.1:8000": loopback, plain HTTP only.
    return base.removeprefix("http://").rstrip("/")


def _host_port(base: str) -> tuple[str, int]:
    host, _, port = _authority(base).rpartition(":")
    return host, int(port)


def encode(
    method: str,
    path: str,
    *,
    base: str,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    content_type: str = "application/json",
) -> bytes:
    """One request as it goes on the wire."""
    target = f"{path}?{urlencode(query)}" if query else path
    lines = [f"{method} {target} HTTP/1.1", f"Host: {_authority(base)}", f"Content-Length: {len(body)}"]
    if body:
        lines.append(f"Content-Type: {content_type}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class ConnectionClosed(Exception):
    pass


class NotSent(ConnectionClosed):
    """The connection was found closed before the request went out: another one may take it."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection, one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.pending: asyncio.Future[int] | None = None
        self.open = False
        self.keep_alive = True

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but have its methods.
        self.transport, self.open = cast(asyncio.Transport, transport), True

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self._fail(exc or ConnectionClosed("closed by the server"))

    # httptools callbacks
    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        if self.pending is not None and not self.pending.done():
            self.pending.set_result(self.parser.get_status_code())

    def _fail(self, exc: BaseException) -> None:
        self.open = False
        if self.pending is not None and not self.pending.done():
            self.pending.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    @property
    def usable(self) -> bool:
        return (
            self.open and self.keep_alive and self.transport is not None and not self.transport.is_closing()
        )

    async def send(self, data: bytes) -> int:
        if not self.usable or self.transport is None:
            raise NotSent("closed before the request was sent")
        self.pending = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return await self.pending


@dataclass
class Client:
    """Up to `connections` keep-alive connections to host:port, opened as needed and reused."""

    host: str
    port: int
    connections: int
    timeout: float = 30.0
    _idle: list[_Connection] = field(default_factory=list)
    _opened: int = 0
    _freed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def _acquire(self) -> _Connection:
        async with self._freed:
            # The server closes a connection idle past its keep-alive timeout (uvicorn: 5 s).
            for stale in [conn for conn in self._idle if not conn.usable]:
                self._idle.remove(stale)
                self._opened -= 1
            while not self._idle and self._opened >= self.connections:
                await self._freed.wait()
            if self._idle:
                return self._idle.pop()
            self._opened += 1
        try:
            loop = asyncio.get_running_loop()
            _, conn = await loop.create_connection(_Connection, self.host, self.port)
        except BaseException:
            await self._release(None)
            raise
        return conn

    async def _release(self, conn: _Connection | None) -> None:
        async with self._freed:
            if conn is not None and conn.usable:
                self._idle.append(conn)
            else:
                self._opened -= 1
                if conn is not None and conn.transport is not None:
                    conn.transport.close()
            self._freed.notify()

    async def send(self, data: bytes) -> int:
        """The response's status code; raises on a broken connection or a timeout."""
        while True:
            conn = await self._acquire()
            if conn.usable:
                break
            await self._release(conn)  # closed by the server while idle, just now
        try:
            status = await asyncio.wait_for(conn.send(data), self.timeout)
        except BaseException:
            conn.open = False
            await self._release(conn)
            raise
        await self._release(conn)
        return status

    def close(self) -> None:
        for conn in self._idle:
            if conn.transport is not None:
                conn.transport.close()
        self._idle.clear()


def ok_status(status: int) -> bool:
    return 200 <= status < 300


@dataclass
class Tally:
    done: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    def fail(self, reason: str) -> None:
        self.failed[reason] = self.failed.get(reason, 0) + 1

    @property
    def errors(self) -> int:
        return sum(self.failed.values())


async def _one(client: Client, data: bytes, tally: Tally) -> bool:
    try:
        status = await client.send(data)
    except (OSError, ConnectionClosed, TimeoutError, httptools.HttpParserError) as exc:
        tally.fail(type(exc).__name__)
        return False
    if not ok_status(status):
        tally.fail(f"HTTP {status}")
        return False
    tally.done += 1
    return True


async def _closed(base: str, requests: Iterable[bytes], concurrency: int, seconds: float) -> Tally:
    client = Client(*_host_port(base), concurrency)
    feed: Iterator[bytes] = iter(requests)
    tally = Tally()
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop:
            data = next(feed, None)
            if data is None:
                return
            await _one(client, data, tally)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    tally.elapsed = time.perf_counter() - started
    client.close()
    return tally


async def _open(base: str, requests: list[bytes], rate: float, connections: int) -> Tally:
    client = Client(*_host_port(base), connections)
    tally = Tally()
    clock = time.perf_counter  # uvloop's loop.time() counts whole milliseconds

    async def one(data: bytes, due: float) -> None:
        await _one(client, data, tally)
        tally.latencies_ms.append((clock() - due) * 1000)

    tasks = []
    start = clock() + 0.05
    for i, data in enumerate(requests):
        due = start + i / rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(data, due)))
    await asyncio.gather(*tasks)
    tally.elapsed = clock() - start
    client.close()
    return tally


def closed_loop(base: str, requests: Iterable[bytes], *, concurrency: int, seconds: float) -> Tally:
    """Requests from `requests` (enough for `seconds`), `concurrency` at a time, until time is up."""
    return uvloop.run(_closed(base, requests, concurrency, seconds))


def open_loop(base: str, requests: list[bytes], *, rate: float, connections: int = 256) -> Tally:
    """Every request of `requests`, one every 1/rate seconds; latencies from each one's due time."""
    return uvloop.run(_open(base, requests, rate, connections))
