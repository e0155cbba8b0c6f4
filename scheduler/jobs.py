"""Imports the modules that register jobs, so that `JOBS` is complete wherever it is read.

The scheduler schedules every job here that has `every_seconds` or `cron`; a new job module only needs
its import below.
"""

from scheduler import analysis_jobs as _analysis_jobs  # noqa: F401  (registers its jobs)
from scheduler import calendar_jobs as _calendar_jobs  # noqa: F401  (registers its jobs)
from scheduler import media_jobs as _media_jobs  # noqa: F401  (registers its jobs)
from scheduler import outbox_jobs as _outbox_jobs  # noqa: F401  (registers its jobs)
from scheduler import points_jobs as _points_jobs  # noqa: F401  (registers its jobs)
from scheduler import retention_jobs as _retention_jobs  # noqa: F401  (registers its jobs)
from scheduler import sla_jobs as _sla_jobs  # noqa: F401  (registers its jobs)
from scheduler import warning_jobs as _warning_jobs  # noqa: F401  (registers its jobs)
from scheduler.registry import JOBS

__all__ = ["JOBS"]
