"""The one shared copy of each app's access_token, for every process and instance."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base


class WeChatAccessToken(Base):
    """One row per appid. The row lock serialises refreshes; readers never wait on it."""

    __tablename__ = "wechat_access_tokens"

    appid: Mapped[str] = mapped_column(String(40), primary_key=True)
    # WeChat asks for at least 512 characters of room.
    access_token: Mapped[str] = mapped_column(String(1024), default="")
    expires_at: Mapped[datetime] = mapped_column()
    fetched_at: Mapped[datetime] = mapped_column()
    # force_refresh is limited (20 a day, 30 s apart): count our own uses per local day.
    forced_at: Mapped[datetime | None] = mapped_column()
    forced_day: Mapped[date | None] = mapped_column(Date)
    forced_count: Mapped[int] = mapped_column(default=0)
