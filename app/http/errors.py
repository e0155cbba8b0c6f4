"""Turns domain errors and validation failures into clear JSON answers (Chinese messages)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.core.errors import DomainError

_REASONS = {
    "missing": "为必填项",
    "string_too_long": "长度超出限制",
    "string_too_short": "长度不足",
    "too_long": "数量超出限制",
    "too_short": "数量不足",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为是或否",
    "enum": "取值无效",
    "literal_error": "取值无效",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "datetime_parsing": "时间格式无效",
    "datetime_from_date_parsing": "时间格式无效",
    "json_invalid": "不是有效的JSON",
    "value_error": "取值无效",
}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.field:
        body["field"] = exc.field
    return JSONResponse({"detail": body}, status_code=exc.status_code)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        field = _field_name(tuple(err.get("loc", ())))
        reason = _REASONS.get(str(err.get("type")), "取值无效")
        ctx = err.get("ctx") or {}
        if err.get("type") in ("string_too_long", "too_long") and "max_length" in ctx:
            reason = f"不能超过{ctx['max_length']}"
        errors.append({"field": field, "message": f"{field} {reason}", "type": err.get("type")})
    message = "请求参数有误：" + "；".join(e["message"] for e in errors)
    return JSONResponse({"detail": {"code": "invalid_input", "message": message, "errors": errors}}, 422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
