"""HTTP lanes for the WeChat transport: httpx transports of one connection each, lent one request at a
time.

httpx's shared connection pool slows down sharply under concurrency (encode/httpx#3215): its waiting
requests race for the same idle connection and spin on ConnectionNotAvailable, so 32 concurrent requests
through one pool were 3x slower than one at a time. A request here borrows a whole lane instead, so no
two requests ever contend inside one pool. Lanes are made on demand, share one SSL context, and are
reused most-recently-first so their keep-alive connections stay warm.

A lane sends through httpx's transport, not through an AsyncClient: the client's layers (URL merging,
cookies, auth, redirects, event hooks; none of them used here) cost about 0.3 ms of CPU a call, some
40 % of a call to WeChat.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import ssl
import sys
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress

import certifi
import httpx

# httpcore imports sniffio on every pool event. Without it installed each attempt searches sys.path
# again, which costs more than the request itself; remembering the absence once makes it free.
if importlib.util.find_spec("sniffio") is None:
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


class Lane:
    """One keep-alive connection to WeChat: requests relative to the base URL, answers read whole."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport,
        *,
        base_url: str,
        timeout: httpx.Timeout,
        headers: httpx.Headers,
    ) -> None:
        self.transport = transport
        # As httpx's client does: a base ending in "/" keeps its own path when a relative one is joined.
        self._base = httpx.URL(base_url if base_url.endswith("/") else base_url + "/")
        self._timeout = timeout.as_dict()
        self._headers = headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        url = self._base.join(path.lstrip("/"))
        if params:
            url = url.copy_merge_params(params)
        sent = httpx.Headers(self._headers)
        if headers:
            sent.update(headers)
        request = httpx.Request(
            method, url, content=content, headers=sent, extensions={"timeout": self._timeout}
        )
        response = await self.transport.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        response.request = request
        return response

    async def aclose(self) -> None:
        await self.transport.aclose()


class Lanes:
    def __init__(
        self,
        *,
        base_url: str,
        timeout: httpx.Timeout,
        size: int,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._size = max(1, size)
        self._pool_timeout = timeout.pool
        self._free: list[Lane] = []
        self._all: list[Lane] = []
        self._waiters: deque[asyncio.Future[Lane]] = deque()
        # httpx would load the CA bundle once per client (~25 ms each): load it once for all lanes.
        tls = ssl.create_default_context(cafile=certifi.where())

        def make() -> httpx.AsyncBaseTransport:
            return httpx.AsyncHTTPTransport(
                verify=tls,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                trust_env=False,
            )

        defaults = {"Accept": "*/*", "Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}
        self._lane_of = functools.partial(
            Lane, base_url=base_url, timeout=timeout, headers=httpx.Headers({**defaults, **(headers or {})})
        )
        self._make = make

    @asynccontextmanager
    async def lane(self) -> AsyncIterator[Lane]:
        lane = await self._acquire()
        try:
            yield lane
        finally:
            self._release(lane)

    async def _acquire(self) -> Lane:
        if self._free:
            return self._free.pop()
        if len(self._all) < self._size:
            lane = self._lane_of(self._make())
            self._all.append(lane)
            return lane
        waiter: asyncio.Future[Lane] = asyncio.get_running_loop().create_future()
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

    def _release(self, lane: Lane) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(lane)
                return
        self._free.append(lane)

    async def aclose(self) -> None:
        for lane in self._all:
            await lane.aclose()
        self._all.clear()
        self._free.clear()
