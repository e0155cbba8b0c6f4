"""What the mini program sends and receives. Small payloads: every byte counts on a weak signal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class LoginIn(BaseModel):
    code: Code


class RefreshIn(BaseModel):
    refresh_token: Annotated[str, StringConstraints(min_length=16, max_length=128)]


class CodeIn(BaseModel):
    code: Code


class AreaRef(BaseModel):
    id: int
    name: str


class ProfileOut(BaseModel):
    id: int
    real_name: str | None
    phone_masked: str | None
    home_village: AreaRef | None
    home_grid: AreaRef | None


class ProfileIn(BaseModel):
    home_village_id: int | None = Field(default=None, ge=1)
    home_grid_id: int | None = Field(default=None, ge=1)
    real_name: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=50)] = None


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int


class Workbench(BaseModel):
    """Present when this WeChat identity is bound to a staff account: the staff token opens its workbench."""

    access_token: str
    expires_in: int
    role: str
    role_label: str
    display_name: str


class LoginOut(TokenOut):
    profile: ProfileOut
    workbench: Workbench | None = None


class AreaOut(BaseModel):
    id: int
    name: str
    level: str
    level_label: str
    has_children: bool


class CategoryOut(BaseModel):
    id: int
    code: str
    name: str
    respond_minutes: int
    handle_hours: int
    time_limit: str


class KindOut(BaseModel):
    code: str
    name: str
    categories: list[CategoryOut]


class TopicOut(BaseModel):
    code: str
    name: str


class CategoriesOut(BaseModel):
    kinds: list[KindOut]
    topics: list[TopicOut]


class MediaOut(BaseModel):
    id: int
    mime_type: str
    size_bytes: int
    width: int | None
    height: int | None
    # Whether the photo carried a position the report may use (the position itself is not sent back).
    has_location: bool
    url: str


class LocationIn(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    coord_system: Literal["gcj02", "wgs84"] = "gcj02"
    address: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=200)] = None


class ReportIn(BaseModel):
    kind: Literal["problem", "praise", "alert"]
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    topic: Annotated[str | None, StringConstraints(max_length=40)] = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    photo_ids: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=9)] = []
    location: LocationIn | None = None
    # The villager agreed to use the position recorded in their photo when they gave none.
    use_photo_location: bool = False
    anonymous: bool = False
    village_id: int | None = Field(default=None, ge=1)
    grid_id: int | None = Field(default=None, ge=1)


class ReportCreated(BaseModel):
    id: int
    ledger_no: str | None
    status: str
    status_label: str
    held_for_review: bool


class ReportSummary(BaseModel):
    id: int
    ledger_no: str | None
    kind: str
    kind_label: str
    category: str
    status: str
    status_label: str
    description: str
    submitted_at: datetime
    seconds: int


class TimelineOut(BaseModel):
    at: datetime
    action: str
    action_label: str
    status: str
    status_label: str
    message: str


class ReportView(ReportSummary):
    mine: bool
    village: str
    address: str | None
    lat: float | None
    lng: float | None
    coord_system: str | None
    anonymous: bool
    held_for_review: bool
    result: str | None
    rating: str | None
    rating_label: str | None
    can_rate: bool
    photos: list[MediaOut]
    timeline: list[TimelineOut]


class ReportPage(BaseModel):
    items: list[ReportSummary]
    next_cursor: str | None = None


class NearbyItem(BaseModel):
    id: int
    category: str
    status_label: str
    description: str
    distance_m: int
    submitted_at: datetime
    seconds: int
    seconded_by_me: bool


class SecondOut(BaseModel):
    report_id: int
    seconds: int
    added: bool


class RatingIn(BaseModel):
    rating: Literal["satisfied", "basically", "unsatisfied"]
    comment: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=500)] = None


class SubscriptionsIn(BaseModel):
    # The object wx.requestSubscribeMessage resolves with, minus errMsg: template id → result.
    results: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=64)],
            Literal["accept", "reject", "ban", "filter"],
        ],
        Field(min_length=1, max_length=20),
    ]


class SubscriptionsOut(BaseModel):
    granted: dict[str, int]


class FeedItem(BaseModel):
    id: int
    kind: str
    kind_label: str
    category: str
    description: str
    result: str | None
    town: str
    village: str
    day: date
    photos: list[str]


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_cursor: str | None = None
