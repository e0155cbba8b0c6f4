"""The `suishoupai` command on the embedded SQLite database: migrate, seed-demo twice, create-admin."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import create_engine, text


def _run(tmp_path, *args: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        APP_ENV="development",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'var' / 'demo.db'}",
        MEDIA_DIR=str(tmp_path / "media"),
    )
    env.pop("SECRET_KEY", None)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        input=input_text,
        timeout=120,
        check=False,
    )


def test_migrate_seed_twice_and_create_admin(tmp_path):
    assert _run(tmp_path, "migrate").returncode == 0
    first = _run(tmp_path, "seed-demo")
    assert first.returncode == 0, first.stderr
    assert "reports +" in first.stdout
    second = _run(tmp_path, "seed-demo")
    assert second.returncode == 0 and "已存在" in second.stdout
    engine = create_engine(f"sqlite:///{tmp_path / 'var' / 'demo.db'}")
    with engine.connect() as conn:
        statuses = {row[0] for row in conn.execute(text("SELECT DISTINCT status FROM reports"))}
        roles = {row[0] for row in conn.execute(text("SELECT DISTINCT role FROM staff_accounts"))}
        counts = conn.execute(text("SELECT count(*) FROM reports")).scalar_one()
        rewards = conn.execute(text("SELECT count(*), min(stock) FROM rewards")).one()
    assert statuses == {
        "submitted",
        "accepted",
        "assigned",
        "in_progress",
        "resolved",
        "closed",
        "rejected",
        "acknowledged",
        "published",
    }
    assert roles == {
        "admin",
        "supervisor",
        "department_staff",
        "village_secretary",
        "intake_cadre",
        "grid_worker",
        "handler",
    }
    assert counts == 36  # four villages × nine stories: the second run added none
    assert tuple(rewards) == (12, 20)  # the moral bank's goods: three per village, once
    made = _run(tmp_path, "create-admin", "--username", "chief", "--password", "long-enough-pw")
    assert made.returncode == 0 and "已创建" in made.stdout
    again = _run(tmp_path, "create-admin", "--username", "chief", "--password", "long-enough-pw")
    assert "已存在" in again.stdout
    short = _run(tmp_path, "create-admin", "--username", "x", "--password", "short")
    assert short.returncode == 2


def test_seed_demo_refuses_production_without_force(tmp_path):
    env_args = ("seed-demo",)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "app.cli", *env_args],
        env=dict(
            os.environ,
            APP_ENV="production",
            SECRET_KEY="y" * 40,
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "生产环境" in result.stderr


def test_job_run_rejects_unknown_jobs_and_naive_times(tmp_path):
    unknown = _run(tmp_path, "job", "run", "no-such-job")
    assert unknown.returncode == 2 and "没有名为" in unknown.stderr
