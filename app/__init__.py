"""Moim: the event and meetup system of the agency's industry clusters."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from config import Config, config_from_env


def create_app(config: Config | type | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    if config is None:
        config = config_from_env()
    app.config.from_object(config)
    if app.config.get("PROXY_FIX_X_FOR"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (one metadata for Alembic)
    from app.database import configure_engine
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.i18n import init_i18n, select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    from app.forms import reject_nul_input

    app.before_request(reject_nul_input)
    from app.logs import init_logging

    init_logging(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("로그인이 필요한 페이지입니다. 먼저 로그인해 주세요.")
    from app.auth.services import load_user

    login_manager.user_loader(load_user)
    init_i18n(app)
    from app.mail import init_mail, linkify

    app.jinja_env.filters["mail_linkify"] = linkify
    init_mail(app)
    from app.jobs import init_jobs

    init_jobs(app)
    from app.audit import init_audit

    init_audit()
    with app.app_context():
        configure_engine(app)


def register_blueprints(app: Flask) -> None:
    from app.routing import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter
    import app.outcomes.followup_routes as _follow_up_page  # noqa: F401  (registers on the outcomes blueprint)
    from app.auth.routes import bp as auth_bp
    from app.calendar.routes import bp as calendar_bp
    from app.checkin.routes import bp as checkin_bp
    from app.directory.routes import bp as directory_bp
    from app.events.routes import bp as events_bp
    from app.health import bp as health_bp
    from app.i18n import bp as i18n_bp
    from app.jobs.routes import bp as jobs_bp
    from app.networking.routes import bp as networking_bp
    from app.outcomes import member_routes  # noqa: F401  (the member pages, on the same blueprint)
    from app.outcomes.ledger_routes import bp as outcomes_bp
    from app.reports.routes import bp as reports_bp
    from app.staff.routes import bp as staff_bp

    app.register_blueprint(events_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(directory_bp, url_prefix="/directory")
    app.register_blueprint(i18n_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(networking_bp)
    app.register_blueprint(outcomes_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(jobs_bp)


def register_errorhandlers(app: Flask) -> None:
    from app.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import mail_worker, register
    from app.jobs.cli import register as register_jobs

    register(app)
    # `flask worker` runs the mail loop of `flask mail worker` beside the jobs.
    register_jobs(app, mail_worker)
