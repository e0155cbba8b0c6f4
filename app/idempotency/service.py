"""Claiming a key, replaying its stored answer, or refusing a key reused for a different request.

Two ways to hold a key, both inside the request's own transaction, so a failed request stores
nothing and a corrected retry with the same key is allowed:
- `store` writes the key with its answer at the end, in one statement. A twin that got there first
  (a retry, or a concurrent duplicate) makes it find the key taken: the request rolls its own work
  back and replays the stored answer. A request that fails on the way must look for a finished twin
  before it reports the failure (miniprogram_api/reports.py).
- `claim` inserts the key first and `complete` adds the answer: a concurrent retry's insert waits on
  the unique index until the first transaction ends; after a commit it finds the stored answer, after
  a rollback it owns the key itself.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict
from app.idempotency.models import IdempotencyRecord


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _mismatch() -> Conflict:
    return Conflict("该请求编号已用于另一项不同的提交，请刷新页面后重新提交", field="Idempotency-Key")


async def find(
    session: AsyncSession, *, villager_id: int, operation: str, key: str, digest: str
) -> IdempotencyRecord | None:
    """The finished record for this key, if any; a different request under the same key is a conflict."""
    record = await session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.villager_id == villager_id,
            IdempotencyRecord.operation == operation,
            IdempotencyRecord.key == key,
        )
    )
    if record is not None and record.request_hash != digest:
        raise _mismatch()
    return record


# Built once per dialect, with bound parameters (named k_…, so that a statement doing more can hold
# one of these): building a statement costs as much as running it.
_T = cast(Table, IdempotencyRecord.__table__)
_HELD = ("villager_id", "operation", "key", "request_hash", "created_at")  # a claim's columns
_STORED = (*_HELD, "status_code")  # and the response


def _bind(name: str) -> Any:
    return bindparam(f"k_{name}", type_=_T.c[name].type)


def _key_insert(insert: Any, target: Any, names: tuple[str, ...]) -> Any:
    return (
        insert(target)
        .values({name: _bind(name) for name in names})
        .on_conflict_do_nothing(index_elements=["villager_id", "operation", "key"])
    )


def _statements(insert: Any) -> tuple[Any, Any]:
    # claim: the ORM-enabled INSERT … RETURNING hands back the row as an object, in one round trip.
    claim = _key_insert(insert, IdempotencyRecord, _HELD).returning(IdempotencyRecord)
    return claim, _key_insert(insert, _T, (*_STORED, "response")).returning(_T.c.id)


_CLAIM: dict[bool, Any] = {}  # by "is it PostgreSQL"
_STORE: dict[bool, Any] = {}
for _is_pg, _insert in ((True, pg_insert), (False, sqlite_insert)):
    _CLAIM[_is_pg], _STORE[_is_pg] = _statements(_insert)


def store_naming(answer_id: ColumnElement[Any]) -> Any:
    """INSERT … SELECT of `store`'s row for a statement that makes what the request made (PostgreSQL;
    nothing made, nothing stored): the k_response answer gains "id", from `answer_id`. RETURNING
    gives nothing when the key is taken. Parameters as `store_params` gives them."""
    response = bindparam("k_response", type_=JSONB).op("||", return_type=JSONB)(
        func.jsonb_build_object("id", answer_id)
    )
    return (
        pg_insert(_T)
        .from_select([*_STORED, "response"], select(*map(_bind, _STORED), response))
        .on_conflict_do_nothing(index_elements=["villager_id", "operation", "key"])
        .returning(_T.c.id)
    )


def _held(villager_id: int, operation: str, key: str, digest: str, now: datetime) -> dict[str, Any]:
    return {
        "k_villager_id": villager_id,
        "k_operation": operation,
        "k_key": key,
        "k_request_hash": digest,
        "k_created_at": now,
    }


def store_params(
    *,
    villager_id: int,
    operation: str,
    key: str,
    digest: str,
    now: datetime,
    status_code: int,
    response: dict[str, Any],
) -> dict[str, Any]:
    """The parameters of `store`, and of `store_naming` (whose `response` lacks the "id")."""
    held = _held(villager_id, operation, key, digest, now)
    return {**held, "k_status_code": status_code, "k_response": response}


async def claim(
    session: AsyncSession, *, villager_id: int, operation: str, key: str, digest: str, now: datetime
) -> IdempotencyRecord | None:
    """The new record when this request owns the key; None when another request already finished it
    (then `find` gives its answer)."""
    stmt = _CLAIM[session.get_bind().dialect.name == "postgresql"]
    params = _held(villager_id, operation, key, digest, now)
    record: IdempotencyRecord | None = (await session.scalars(stmt, params)).one_or_none()
    return record


async def complete(
    session: AsyncSession, *, record: IdempotencyRecord, status_code: int, response: dict[str, Any]
) -> None:
    record.status_code = status_code
    record.response = response
    await session.flush()


async def store(
    session: AsyncSession,
    *,
    villager_id: int,
    operation: str,
    key: str,
    digest: str,
    now: datetime,
    status_code: int,
    response: dict[str, Any],
) -> bool:
    """Record the finished request's answer under its key; False when the key is taken already (by a
    twin that finished first: roll back, then `find` its answer)."""
    stmt = _STORE[session.get_bind().dialect.name == "postgresql"]
    params = store_params(
        villager_id=villager_id,
        operation=operation,
        key=key,
        digest=digest,
        now=now,
        status_code=status_code,
        response=response,
    )
    return (await session.execute(stmt, params)).first() is not None


async def purge_before(session: AsyncSession, *, before: datetime) -> int:
    """Keys older than a retry could be; the daily `retention` job calls this."""
    result = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
