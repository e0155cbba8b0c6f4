"""Indexes the analysis queries read by, attached to the reports table (migration 20261203_0010).

The report model belongs to the reports domain; these live here beside the queries that need them and
are imported from app/models.py so that `alembic check` sees them.
"""

from __future__ import annotations

from sqlalchemy import Index

from app.reports.models import Report

# Every period query: reports submitted within [start, end).
SUBMITTED_AT = Index("ix_reports_submitted_at", Report.submitted_at)
# Repeat complaints and warnings: one reporter's, one category's reports over a window of days.
REPORTER_SUBMITTED_AT = Index(
    "ix_reports_reporter_submitted_at", Report.reporter_villager_id, Report.submitted_at
)
CATEGORY_SUBMITTED_AT = Index("ix_reports_category_submitted_at", Report.category_id, Report.submitted_at)

# Repeat complaints size their grid by the highest and lowest latitude of the county's reports.
LATITUDE = Index("ix_reports_lat", Report.lat)

ANALYSIS_INDEXES = (SUBMITTED_AT, REPORTER_SUBMITTED_AT, CATEGORY_SUBMITTED_AT, LATITUDE)
