"""A dispatcher in its own OS process, for the crash test (which kills it mid-batch).

python -m tests.notifications._dispatcher_proc DATABASE_URL SETTINGS_JSON NOW_ISO BATCH CONCURRENCY
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from app.core.database import Database
from app.core.settings import Settings
from app.notifications.config import NotifyConfig
from app.notifications.dispatcher import Dispatcher
from app.wechat.factory import build_client


async def main(
    url: str, overrides: dict[str, str], now: datetime, batch: int, concurrency: int
) -> dict[str, int]:
    settings = Settings(app_env="test", database_url=url, **overrides)  # type: ignore[arg-type]
    database = Database(url)
    client = build_client(settings, database.sessionmaker)
    config = NotifyConfig(batch_size=batch, concurrency=concurrency)
    try:
        dispatcher = Dispatcher(
            sessionmaker=database.sessionmaker, client=client, tz=ZoneInfo("Asia/Shanghai"), config=config
        )
        return await dispatcher.run_once(now=now)
    finally:
        await client.aclose()
        await database.dispose()


if __name__ == "__main__":
    url, overrides, now, batch, concurrency = sys.argv[1:6]
    counts = asyncio.run(
        main(url, json.loads(overrides), datetime.fromisoformat(now), int(batch), int(concurrency))
    )
    print(json.dumps(counts), flush=True)
