"""One OS process of test_four_processes_share_one_token: its own engine, token store and client.

    python -m tests.wechat._token_worker DATABASE_URL SETTINGS_JSON CALLS
Prints "ready", waits for a line on stdin, makes CALLS user/info calls, prints a JSON summary.
"""

from __future__ import annotations

import asyncio
import json
import sys

from app.core.database import Database
from app.core.settings import Settings
from app.wechat.factory import build_client


async def main(database_url: str, overrides: dict[str, str], calls: int) -> dict[str, int]:
    settings = Settings(app_env="test", database_url=database_url, **overrides)  # type: ignore[arg-type]
    database = Database(database_url)
    client = build_client(settings, database.sessionmaker)
    gate = asyncio.Semaphore(20)

    async def one() -> bool:
        async with gate:
            return (await client.user_info("oa-shared")).subscribed

    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    try:
        results = await asyncio.gather(*(one() for _ in range(calls)))
    finally:
        await client.aclose()
        await database.dispose()
    return {"ok": sum(results), "fetches": client.transport.tokens.fetches}


if __name__ == "__main__":
    summary = asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])))
    print(json.dumps(summary), flush=True)
