"""Who uploaded which photo. Identical bytes are stored once, but each villager who sent them may use
them: this row, not the id alone (ids are guessable), is what lets a photo be attached to a report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base


class MediaUpload(Base):
    __tablename__ = "media_uploads"
    __table_args__ = (UniqueConstraint("media_id", "villager_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"))
    villager_id: Mapped[int] = mapped_column(ForeignKey("villagers.id", ondelete="CASCADE"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column()
