"""Writing audit entries; every staff action calls `record` inside its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEntry


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, and from where. `kind` is staff, villager or system."""

    kind: str
    id: int | None = None
    role: str | None = None
    ip: str | None = None
    request_id: str | None = None

    @classmethod
    def system(cls, job: str | None = None) -> Actor:
        return cls(kind="system", request_id=job)


def record(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: object,
    at: datetime,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=at,
        actor_type=actor.kind,
        actor_staff_id=actor.id if actor.kind == "staff" else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        ip=actor.ip,
        request_id=actor.request_id,
        details=details or {},
    )
    session.add(entry)
    return entry
