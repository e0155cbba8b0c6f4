"""What the authorization matrix is made of, shared by its extension modules.

An issue that adds `/api/v1` endpoints adds a module `tests/console/matrix_<name>.py` with
`ENTRIES: dict[tuple[str, str], Entry]` and, when its calls need objects of their own,
`async def extend_world(session, county, accounts, world) -> None` that puts their ids into
`world.ids`. `test_authorization_matrix.py` picks up every such module by its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
LATER = datetime.now(UTC) + timedelta(days=30)

HOME_VIEWERS = {"admin", "sup_county", "sup_town", "secretary", "cadre", "grid", "handler"}
FAR = {"sup_far", "secretary_far", "cadre_far", "grid_far", "handler_far", "dept_far"}
EVERYONE = HOME_VIEWERS | {"dept"} | FAR
SUPERVISORS = {"admin", "sup_county", "sup_town", "sup_far"}
ADMIN = {"admin"}


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    ok: set[str]  # these get past authorization (2xx, or 409/422 about the request itself)
    forbidden: set[str]  # these get 403; everyone else gets 404
    call: Callable[[World], tuple[str, str, dict[str, Any]]]
