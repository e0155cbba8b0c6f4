"""Imports every model module so that `Base.metadata` is complete (Alembic, tests)."""

from app.areas import models as areas_models
from app.audit import models as audit_models
from app.categories import models as categories_models
from app.media import models as media_models
from app.people import models as people_models
from app.reports import models as reports_models

__all__ = [
    "areas_models",
    "audit_models",
    "categories_models",
    "media_models",
    "people_models",
    "reports_models",
]
