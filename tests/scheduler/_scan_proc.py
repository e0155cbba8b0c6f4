"""One scheduler process for the two-process test: runs sla-scan at the given moments, in step with its twin.

python -m tests.scheduler._scan_proc DATABASE_URL MODE STEP_SECONDS MOMENT[,MOMENT...] [BATCH]

MODE `runner` goes through the runner (the job's advisory lock, a job_runs row); `raw` calls the job
itself, so only the claims in sla_rungs stand between the two processes. The process prints "ready" and
waits for a line on stdin (the parent sends it to both twins at once); moment i then starts
i * STEP_SECONDS later. A small BATCH makes the two interleave batch by batch. Prints one JSON line:
[{outcome, counts}, ...].
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime

from app import models as _models  # noqa: F401
from app.core.database import Database
from app.core.settings import Settings
from scheduler import sla_jobs
from scheduler.jobs import JOBS
from scheduler.registry import JobContext
from scheduler.runner import run_once


async def main(url: str, mode: str, step: float, moments: list[datetime]) -> list[dict[str, object]]:
    settings = Settings(app_env="test", database_url=url)
    database = Database(url)
    job = JOBS["sla-scan"]
    out: list[dict[str, object]] = []
    try:
        async with database.sessionmaker() as session:  # warm the pool and the mappers before the race
            await session.connection()
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        start = time.time()
        for i, now in enumerate(moments):
            await asyncio.sleep(max(0.0, start + i * step - time.time()))
            if mode == "runner":
                result = await run_once(job, database=database, settings=settings, now=now)
                out.append({"outcome": result.outcome.value, "counts": result.counts})
            else:
                counts = await job.run(JobContext(database=database, settings=settings, now=now))
                out.append({"outcome": "succeeded", "counts": counts})
    finally:
        await database.dispose()
    return out


if __name__ == "__main__":
    url, mode, step, moments = sys.argv[1:5]
    if len(sys.argv) > 5:
        sla_jobs.BATCH = int(sys.argv[5])
    parsed = [datetime.fromisoformat(m) for m in moments.split(",")]
    print(json.dumps(asyncio.run(main(url, mode, float(step), parsed))), flush=True)
