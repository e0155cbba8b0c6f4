"""Fixtures for the analysis tests: the generated county (see county.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.analysis.county import GenCounty, generated_county


@pytest.fixture
async def county(session: AsyncSession) -> GenCounty:
    return await generated_county(session)
