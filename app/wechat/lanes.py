"""HTTP lanes for the WeChat transport: httpx clients of one connection each, lent one request at a time.

httpx's shared connection pool slows down sharply under concurrency (encode/httpx#3215): its waiting
requests race for the same idle connection and spin on ConnectionNotAvailable, so 32 concurrent requests
through one pool were 3x slower than one at a time. A request here borrows a whole lane instead, so no
two requests ever contend inside one pool. Lanes are made on demand, share one SSL context, and are
reused most-recently-first so their keep-alive connections stay warm.
"""

from __future__ import annotations

import asyncio
import importlib.util
import ssl
import sys
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

import certifi
import httpx

# httpcore imports sniffio on every pool event. Without it installed each attempt searches sys.path
# again, which costs more than the request itself; remembering the absence once makes it free.
if importlib.util.find_spec("sniffio") is None:
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


class Lanes:
    def __init__(
        self,
        *,
        base_url: str,
        timeout: httpx.Timeout,
        size: int,
        headers: dict[str, str] | None = None,
        factory: Callable[[], httpx.AsyncClient] | None = None,
    ) -> None:
        self._size = max(1, size)
        self._pool_timeout = timeout.pool
        self._free: list[httpx.AsyncClient] = []
        self._all: list[httpx.AsyncClient] = []
        self._waiters: deque[asyncio.Future[httpx.AsyncClient]] = deque()
        # httpx would load the CA bundle once per client (~25 ms each): load it once for all lanes.
        tls = ssl.create_default_context(cafile=certifi.where())

        def make() -> httpx.AsyncClient:
            return httpx.AsyncClient(
                base_url=base_url,
                timeout=timeout,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                headers=headers,
                verify=tls,
                trust_env=False,
            )

        self._make = factory or make

    @asynccontextmanager
    async def lane(self) -> AsyncIterator[httpx.AsyncClient]:
        client = await self._acquire()
        try:
            yield client
        finally:
            self._release(client)

    async def _acquire(self) -> httpx.AsyncClient:
        if self._free:
            return self._free.pop()
        if len(self._all) < self._size:
            client = self._make()
            self._all.append(client)
            return client
        waiter: asyncio.Future[httpx.AsyncClient] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self._pool_timeout):
                return await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())  # handed over just as we gave up: pass it on
            else:
                waiter.cancel()
                with suppress(ValueError):
                    self._waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise httpx.PoolTimeout("no free WeChat lane") from None
            raise

    def _release(self, client: httpx.AsyncClient) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(client)
                return
        self._free.append(client)

    async def aclose(self) -> None:
        for client in self._all:
            await client.aclose()
        self._all.clear()
        self._free.clear()
