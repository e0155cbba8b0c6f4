"""Categories and areas kept in memory for submissions: read once per ttl, refusals never from memory
(the console's edits: tests/miniprogram/test_reference_edits.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.categories.models import Category, SlaPolicy
from app.reference.cache import ReferenceData, watch
from tests import factories


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def counted(session: AsyncSession) -> Iterator[list[str]]:
    """The SELECTs the session sends while the block runs."""
    seen: list[str] = []
    engine = session.get_bind()

    def record(conn, cursor, statement, params, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_categories_are_read_once_per_ttl_with_their_sla_limits(session):
    clock = Clock()
    reference = ReferenceData(60, clock=clock)
    expected = await factories.category(session)
    policy = await session.get(SlaPolicy, expected.sla_policy_id)
    with counted(session) as reads:
        first = await reference.category_by_code(session, "public_facilities")
        by_id = await reference.category(session, expected.id)
        clock.now += 59
        again = await reference.category_by_code(session, "public_facilities")
    assert len(reads) == 1
    assert first == by_id == again
    assert first is not None and (first.id, first.kind, first.is_active) == (expected.id, "problem", True)
    assert first.limits.respond_minutes == policy.respond_minutes
    assert first.limits.handle_hours == policy.handle_hours

    await session.execute(update(SlaPolicy).where(SlaPolicy.id == policy.id).values(handle_hours=72))
    with counted(session) as reads:
        clock.now += 2  # past the ttl
        later = await reference.category_by_code(session, "public_facilities")
    assert len(reads) == 1 and later is not None and later.limits.handle_hours == 72


async def test_a_refusal_is_never_served_from_memory(session):
    reference = ReferenceData(60, clock=Clock())
    category = await factories.category(session)
    assert await reference.category_by_code(session, "public_facilities") is not None
    with counted(session) as reads:
        assert await reference.category_by_code(session, "no_such_category") is None
        assert await reference.category(session, 987654) is None
    assert len(reads) == 2  # each miss looked again

    await session.execute(update(Category).where(Category.id == category.id).values(is_active=False))
    # Still within the ttl, the cached copy says active: an edit in another process is seen later...
    kept = await reference.category(session, category.id)
    assert kept is not None and kept.is_active
    reference.invalidate()
    off = await reference.category(session, category.id)
    assert off is not None and not off.is_active
    # ...but switched back on, it is usable at once: an inactive one is always read again.
    await session.execute(update(Category).where(Category.id == category.id).values(is_active=True))
    on = await reference.category(session, category.id)
    assert on is not None and on.is_active


async def test_areas_are_kept_per_id_and_a_new_one_is_found_at_once(session):
    clock = Clock()
    reference = ReferenceData(60, clock=clock)
    c = await factories.county(session)
    with counted(session) as reads:
        found = await reference.areas(session, [c.village.id, c.grid.id])
        again = await reference.areas(session, [c.village.id])
        both = await reference.areas(session, [c.village.id, c.other_village.id])
    assert len(reads) == 2  # the second call from memory, the third only for village2
    assert found[c.village.id].parent_id == c.town.id and found[c.grid.id].level == "grid"
    assert again[c.village.id] == found[c.village.id] and both[c.other_village.id].name == "水口村"
    assert await reference.areas(session, [123456789]) == {}

    await session.execute(update(Area).where(Area.id == c.village.id).values(name="石垭社区"))
    clock.now += 61
    assert (await reference.areas(session, [c.village.id]))[c.village.id].name == "石垭社区"


async def test_with_ttl_zero_nothing_is_kept(session):
    reference = ReferenceData(0)
    c = await factories.county(session)
    with counted(session) as reads:
        await reference.category_by_code(session, "public_facilities")
        await reference.category_by_code(session, "public_facilities")
        await reference.areas(session, [c.village.id])
        await reference.areas(session, [c.village.id])
    assert len(reads) == 4


async def test_a_commit_that_edits_a_category_drops_the_watched_copy(session):
    reference = ReferenceData(60, clock=Clock())
    watch(session, reference)  # as every request's session is (app/http/deps.get_session)
    category = await factories.category(session)
    assert await reference.category(session, category.id) is not None
    await session.commit()  # nothing the cache reads was written
    with counted(session) as reads:
        await reference.category(session, category.id)
    assert reads == []

    category.name = "公共设施维修"
    await session.commit()
    with counted(session) as reads:
        renamed = await reference.category(session, category.id)
    assert len(reads) == 1 and renamed is not None and renamed.name == "公共设施维修"
