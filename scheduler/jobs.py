"""Imports the modules that register jobs, so that `JOBS` is complete wherever it is read."""

from scheduler.registry import JOBS

__all__ = ["JOBS"]
