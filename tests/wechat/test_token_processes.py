"""Four OS processes making 200 calls each share one access_token through the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.wechat_server import FakeWeChat

ROOT = Path(__file__).resolve().parents[2]


def test_four_processes_making_200_calls_each_share_one_token(fresh_db, fake_wechat: FakeWeChat):
    fake_wechat.add_follower("oa-shared")
    env = {**os.environ, "APP_ENV": "test", "PYTHONPATH": str(ROOT)}
    args = [fresh_db.url, json.dumps(fake_wechat.settings_overrides()), "200"]
    workers = [
        subprocess.Popen(  # noqa: S603  (our own interpreter and module)
            [sys.executable, "-m", "tests.wechat._token_worker", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for w in workers:  # all warmed up (imports, engines) before anyone calls: maximum contention
            assert w.stdout is not None and w.stdout.readline().strip() == "ready"
        for w in workers:
            assert w.stdin is not None
            w.stdin.write("go\n")
            w.stdin.flush()
        summaries = [json.loads(w.communicate(timeout=60)[0].strip().splitlines()[-1]) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
    assert [s["ok"] for s in summaries] == [200] * 4
    assert fake_wechat.token_fetches() == 1
    assert sum(s["fetches"] for s in summaries) == 1
    calls = fake_wechat.calls("cgi-bin/user/info")
    assert len(calls) == 800 and len({c.access_token for c in calls}) == 1
