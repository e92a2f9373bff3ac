"""Error pages: every error gets a clear Korean (or English) message, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from app.extensions import db

# A write that met another one: SQLite's lock (busy timeout spent, or a reader's snapshot gone
# stale when it tried to write), PostgreSQL's serialization failure, deadlock or lock timeout.
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
_PG_CONFLICT_STATES = {"40001", "40P01", "55P03"}


def is_write_conflict(exc: OperationalError) -> bool:
    """Whether a database error means "another writer got there first": worth a retry, not a bug."""
    original = getattr(exc, "orig", None)
    if getattr(original, "sqlstate", None) in _PG_CONFLICT_STATES:
        return True
    return any(text in str(original or exc) for text in _SQLITE_BUSY)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or best == "application/json"


def _render(status: int, title: str, message: str):
    if _wants_json():
        return {"error": title, "message": message}, status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return _render(
            400,
            _("보안 확인에 실패했습니다"),
            _("페이지가 오래되었거나 보안 토큰이 없습니다. 페이지를 새로고침한 뒤 다시 시도해 주세요."),
        )

    @app.errorhandler(400)
    def bad_request(_e):
        return _render(400, _("잘못된 요청입니다"), _("요청을 처리할 수 없습니다. 입력 내용을 확인해 주세요."))

    @app.errorhandler(403)
    def forbidden(_e):
        return _render(403, _("접근 권한이 없습니다"), _("이 페이지를 볼 수 있는 권한이 없습니다."))

    @app.errorhandler(404)
    def not_found(_e):
        return _render(404, _("페이지를 찾을 수 없습니다"), _("주소가 바뀌었거나 삭제된 페이지입니다."))

    @app.errorhandler(405)
    def method_not_allowed(_e):
        return _render(405, _("허용되지 않는 요청입니다"), _("이 주소는 해당 방식의 요청을 받지 않습니다."))

    @app.errorhandler(413)
    def too_large(_e):
        limit_mb = (app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return _render(
            413,
            _("파일이 너무 큽니다"),
            _("올릴 수 있는 크기는 %(mb)dMB까지입니다. 파일을 나누거나 줄여서 다시 올려 주세요.", mb=limit_mb),
        )

    @app.errorhandler(429)
    def too_many(_e):
        return _render(
            429,
            _("요청이 너무 많습니다"),
            _("짧은 시간에 너무 많이 시도했습니다. 잠시 후 다시 시도해 주세요."),
        )

    @app.errorhandler(OperationalError)
    def write_conflict(exc: OperationalError):
        """The last line against concurrent writes (services take the write lock first, see
        app/database.py begin_write): whoever loses a race is told to try again, and nothing
        of the request is kept. Any other database error stays a 500 with its traceback."""
        if not is_write_conflict(exc):
            raise exc
        db.session.rollback()
        app.logger.warning("write conflict on %s %s: %s", request.method, request.path, str(exc).splitlines()[0])
        response, status = _render(
            503,
            _("다른 변경과 겹쳤습니다"),
            _("같은 내용을 다른 사람이 동시에 저장하고 있었습니다. 저장되지 않았으니 잠시 후 다시 시도해 주세요."),
        )
        return response, status, {"Retry-After": "1"}

    @app.errorhandler(500)
    def server_error(_e):
        db.session.rollback()
        return _render(
            500,
            _("일시적인 오류가 발생했습니다"),
            _("잠시 후 다시 시도해 주세요. 문제가 계속되면 클러스터팀에 알려 주세요."),
        )
