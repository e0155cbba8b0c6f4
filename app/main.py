"""Composition root: the FastAPI app, its lifespan, and the routers of the three edges."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import models as _models  # noqa: F401  (every mapper configured before the first query)
from app.console import auth as console_auth
from app.console import reports as console_reports
from app.core.database import Database
from app.core.logging import configure_logging
from app.core.settings import Settings, get_settings
from app.http import health
from app.http.errors import install_error_handlers
from app.http.middleware import RequestContextMiddleware


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    owns_database = database is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.is_sqlite:
            settings.media_dir.mkdir(parents=True, exist_ok=True)
        yield
        if owns_database:
            await app.state.database.dispose()

    application = FastAPI(
        title="随手拍，随手报 Suishoupai",
        version="0.1.0",
        description="County grassroots governance: mini program API, WeChat callbacks, staff console.",
        lifespan=lifespan,
    )
    application.state.settings = settings
    application.state.database = database or Database(settings.database_url)
    install_error_handlers(application)
    application.add_middleware(RequestContextMiddleware)
    application.include_router(health.router)
    application.include_router(console_auth.router)
    application.include_router(console_reports.router)
    return application


def _default_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)


app = _default_app()
