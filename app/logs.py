"""Request ids and structured logs: every response carries X-Request-ID, and with LOG_FORMAT=json
(production) every log line is one JSON object naming the request it belongs to."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import uuid

from flask import Flask, g, has_request_context, request

# An incoming id from the proxy is kept when it is short and plain (it goes into logs and headers).
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
access_log = logging.getLogger("moim.access")


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            line["request_id"] = g.get("request_id")
            line["method"] = request.method
            line["path"] = request.path
        for key in ("status", "duration_ms", "user_id"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _start() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    started = g.get("request_started")
    if started is not None and access_log.isEnabledFor(logging.INFO):
        from flask_login import current_user

        user_id = current_user.get_id() if current_user and current_user.is_authenticated else None
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user_id,
            },
        )
    return response


def init_logging(app: Flask, stream=None) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    if app.config.get("LOG_FORMAT") != "json":
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    for logger in (app.logger, access_log):
        # Alembic's fileConfig (flask db upgrade in the same process) disables loggers made before it.
        logger.disabled = False
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
