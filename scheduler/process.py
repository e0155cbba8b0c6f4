"""`suishoupai scheduler`: the scheduler as its own process (web instances then set SCHEDULER_ENABLED=false).

Runs until SIGTERM or SIGINT, then lets running jobs finish (briefly) and exits 0.
"""

from __future__ import annotations

import asyncio
import signal

from app import models as _models  # noqa: F401  (every mapper configured before the first query)
from app.core.database import Database
from app.core.settings import Settings
from scheduler.service import Scheduler


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    database = Database.of(settings)
    scheduler = Scheduler(database=database, settings=settings)
    try:
        scheduler.start()
        await stop.wait()
        await scheduler.stop()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await database.dispose()
