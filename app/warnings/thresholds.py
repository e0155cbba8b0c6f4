"""The detectors' thresholds, read once from the settings (WARNING_*), so the rules never see Settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.core.settings import Settings


@dataclass(frozen=True, slots=True)
class Thresholds:
    repeat_min: int = 3
    repeat_window: timedelta = timedelta(days=30)
    repeat_radius_m: float = 200.0
    concentrated_min_reporters: int = 3
    concentrated_radius_m: float = 500.0
    concentrated_window: timedelta = timedelta(hours=72)
    text_similarity: float = 0.25
    rising_min: int = 5
    rising_factor: float = 2.5
    rising_weeks: int = 8

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(
            repeat_min=settings.warning_repeat_min,
            repeat_window=timedelta(days=settings.warning_repeat_days),
            repeat_radius_m=settings.warning_repeat_radius_m,
            concentrated_min_reporters=settings.warning_concentrated_min_reporters,
            concentrated_radius_m=settings.warning_concentrated_radius_m,
            concentrated_window=timedelta(hours=settings.warning_concentrated_hours),
            text_similarity=settings.warning_text_similarity,
            rising_min=settings.warning_rising_min,
            rising_factor=settings.warning_rising_factor,
            rising_weeks=settings.warning_rising_weeks,
        )
