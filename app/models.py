"""Imports every model module so that `Base.metadata` is complete (Alembic, tests)."""

from app.analysis import indexes as analysis_indexes
from app.analysis import models as analysis_models
from app.areas import models as areas_models
from app.audit import models as audit_models
from app.categories import models as categories_models
from app.idempotency import models as idempotency_models
from app.inbound import models as inbound_models
from app.jobs import models as jobs_models
from app.media import models as media_models
from app.media import uploads as media_uploads_models
from app.notifications import models as notifications_models
from app.people import models as people_models
from app.points import models as points_models
from app.reports import models as reports_models
from app.sla import models as sla_models
from app.supervision import models as supervision_models
from app.villagers import models as villagers_models
from app.warnings import models as warnings_models
from app.wechat import models as wechat_models

__all__ = [
    "analysis_indexes",
    "analysis_models",
    "areas_models",
    "audit_models",
    "categories_models",
    "idempotency_models",
    "inbound_models",
    "jobs_models",
    "media_models",
    "media_uploads_models",
    "notifications_models",
    "people_models",
    "points_models",
    "reports_models",
    "sla_models",
    "supervision_models",
    "villagers_models",
    "warnings_models",
    "wechat_models",
]
