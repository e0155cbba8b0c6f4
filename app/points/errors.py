"""The moral bank's refusals, each with a clear Chinese message (the edge maps them to 409)."""

from __future__ import annotations

from app.core.errors import Conflict


class InsufficientPoints(Conflict):
    code = "insufficient_points"


class OutOfStock(Conflict):
    code = "out_of_stock"
