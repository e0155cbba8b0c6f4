"""Everything under /mp/v1, in one router for the composition root to include."""

from __future__ import annotations

from fastapi import APIRouter

from miniprogram_api import auth, engagement, feed, media, points, profile, reference, reports, subscriptions

router = APIRouter(prefix="/mp/v1")
router.include_router(auth.router)
router.include_router(profile.router)
router.include_router(reference.router)
router.include_router(media.router)
# Before reports: its fixed paths (/reports/nearby) must win over /reports/{report_id}.
router.include_router(engagement.router)
router.include_router(reports.router)
router.include_router(feed.router)
router.include_router(subscriptions.router)
router.include_router(points.router)
