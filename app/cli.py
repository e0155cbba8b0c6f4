"""The `suishoupai` command: serve, migrate, create-admin, seed-demo, job run, scheduler."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.core.clock import ensure_utc, utcnow
from app.core.database import Database
from app.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from scheduler.runner import RunResult


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers, log_config=None)
    return 0


def _cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from app.core import migrate

    if settings.is_sqlite:
        _sqlite_parent(settings.database_url)
    migrate.upgrade(settings.database_url, args.revision)
    print(f"数据库已迁移到 {args.revision}")
    return 0


def _sqlite_parent(url: str) -> None:
    from pathlib import Path

    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


async def _create_admin(settings: Settings, username: str, password: str, display_name: str) -> str:
    from app.areas.models import Area
    from app.audit import service as audit
    from app.audit.service import Actor
    from app.core.security import hash_password
    from app.people.models import StaffAccount

    db = Database.of(settings)
    try:
        async with db.sessionmaker() as session:
            if await session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
                return f"用户 {username} 已存在，未作修改"
            county = await session.scalar(select(Area).where(Area.level == "county").order_by(Area.id))
            if county is None:
                county = Area(code="000000000000", name="本县", level="county", path="")
                session.add(county)
                await session.flush()
                county.path = f"/{county.id}/"
            account = StaffAccount(
                username=username,
                password_hash=hash_password(password),
                display_name=display_name,
                role="admin",
                area_id=county.id,
            )
            session.add(account)
            await session.flush()
            audit.record(
                session,
                actor=Actor.system("cli"),
                action="staff.create",
                target_type="staff",
                target_id=account.id,
                at=utcnow(),
                details={"role": "admin", "username": username},
            )
            await session.commit()
            return f"管理员 {username} 已创建"
    finally:
        await db.dispose()


def _cmd_create_admin(args: argparse.Namespace, settings: Settings) -> int:
    password = args.password
    if password is None:
        password = getpass.getpass("密码: ")
        if password != getpass.getpass("再次输入密码: "):
            print("两次输入的密码不一致", file=sys.stderr)
            return 2
    if len(password) < 8:
        print("密码至少 8 位", file=sys.stderr)
        return 2
    print(asyncio.run(_create_admin(settings, args.username, password, args.display_name or args.username)))
    return 0


async def _seed_demo(settings: Settings) -> dict[str, int]:
    from app.demo.seed import seed_demo

    db = Database.of(settings)
    try:
        async with db.sessionmaker() as session:
            summary = await seed_demo(session, now=utcnow(), tz=settings.tz)
            await session.commit()
            return summary.created
    finally:
        await db.dispose()


def _cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    if settings.app_env == "production" and not args.force:
        print("生产环境不写入演示数据（如确需写入，请加 --force）", file=sys.stderr)
        return 2
    created = asyncio.run(_seed_demo(settings))
    print("演示数据：" + ("，".join(f"{k} +{v}" for k, v in created.items()) or "已存在，无需写入"))
    return 0


async def _run_job(settings: Settings, name: str, now: datetime) -> RunResult:
    from app import models as _models  # noqa: F401  (every mapper configured before the first query)
    from scheduler.jobs import JOBS
    from scheduler.runner import run_once

    db = Database.of(settings)
    try:
        # Through the runner, like the scheduler: the job's lock, and a row in job_runs.
        return await run_once(JOBS[name], database=db, settings=settings, now=now)
    finally:
        await db.dispose()


def _cmd_job(args: argparse.Namespace, settings: Settings) -> int:
    from scheduler.jobs import JOBS

    if args.name not in JOBS:
        print(f"没有名为 {args.name} 的任务；可用：{', '.join(sorted(JOBS)) or '无'}", file=sys.stderr)
        return 2
    try:
        now = ensure_utc(datetime.fromisoformat(args.now)) if args.now else utcnow()
    except ValueError:
        print("--now 应为带时区的 ISO-8601 时间，例如 2026-12-03T10:00:00+08:00", file=sys.stderr)
        return 2
    result = asyncio.run(_run_job(settings, args.name, now))
    if result.outcome == "failed":
        print(f"任务失败：{result.error}", file=sys.stderr)
        return 1
    if result.outcome == "skipped":
        print(f"任务未运行：{result.error}", file=sys.stderr)
        return 0
    print(" ".join(f"{k}={v}" for k, v in result.counts.items()) or "done")
    return 0


def _cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from app.core.logging import configure_logging
    from scheduler.process import serve

    configure_logging(settings.log_level)
    asyncio.run(serve(settings))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="suishoupai", description="随手拍，随手报 — backend service")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=_cmd_serve)
    mig = sub.add_parser("migrate", help="apply database migrations")
    mig.add_argument("--revision", default="head")
    mig.set_defaults(func=_cmd_migrate)
    admin = sub.add_parser("create-admin", help="create a county administrator")
    admin.add_argument("--username", required=True)
    admin.add_argument("--password", help="prompted for when left out")
    admin.add_argument("--display-name")
    admin.set_defaults(func=_cmd_create_admin)
    seed = sub.add_parser("seed-demo", help="write a demo county (safe to run twice)")
    seed.add_argument("--force", action="store_true", help="allow in production")
    seed.set_defaults(func=_cmd_seed_demo)
    job = sub.add_parser("job", help="scheduler jobs")
    job_sub = job.add_subparsers(dest="job_command", required=True)
    run = job_sub.add_parser("run", help="run one job once")
    run.add_argument("name")
    run.add_argument("--now", help="the time the job runs at (ISO-8601 with offset)")
    run.set_defaults(func=_cmd_job)
    sched = sub.add_parser("scheduler", help="run the scheduler as its own process (until SIGTERM)")
    sched.set_defaults(func=_cmd_scheduler)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as exc:
        print(f"配置错误: {exc}", file=sys.stderr)
        return 2
    result: int = args.func(args, settings)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
