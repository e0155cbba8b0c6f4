"""Every dependency of every route is a coroutine: FastAPI runs a plain function in a worker thread,
a thread hop on every request for what is usually a one-line lookup."""

from __future__ import annotations

import inspect

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import OAuth2PasswordRequestForm

# Form parsers FastAPI ships as classes; they run once per sign-in, not per report.
ALLOWED = {OAuth2PasswordRequestForm}


def _sync_dependencies(dependant: Dependant, found: set[str]) -> set[str]:
    for sub in dependant.dependencies:
        call = sub.call
        is_async = inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)
        instance = call is not None and not inspect.isroutine(call) and not inspect.isclass(call)
        is_async = is_async or (instance and inspect.iscoroutinefunction(type(call).__call__))
        if call is not None and not is_async and call not in ALLOWED:
            found.add(getattr(call, "__qualname__", repr(call)))
        _sync_dependencies(sub, found)
    return found


def test_no_route_depends_on_a_plain_function(app: FastAPI) -> None:
    found: set[str] = set()
    routes = 0
    for context in iter_route_contexts(app.router.routes):
        route = getattr(context, "route", context)
        if isinstance(route, APIRoute):
            routes += 1
            _sync_dependencies(route.dependant, found)
    assert routes > 50  # the walk really reached the included routers
    assert found == set(), f"make these dependencies `async def`: {sorted(found)}"
