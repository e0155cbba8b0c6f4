"""Fixtures for the scheduler tests; the helpers are in _support."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.scheduler._support import Village, make_village


@pytest.fixture
async def village(session: AsyncSession) -> Village:
    return await make_village(session)
