"""Account pages: sign-in and out, invitations and sign-up, password reset (on the `auth` blueprint)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth import services
from app.auth.blueprint import bp
from app.auth.forms import InviteForm, LoginForm, ResetPasswordForm, ResetRequestForm, SignupForm
from app.extensions import db, limiter
from app.i18n import _safe_next
from app.models import Company, Role


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("events.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("이메일 또는 비밀번호가 올바르지 않습니다."), "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    # CSRF-protected POST: a link on another site cannot sign the user out.
    logout_user()
    flash(_("로그아웃했습니다."), "info")
    return redirect(url_for("events.home"))


def _invitable_companies():
    """Companies the current user may invite people to, in 가나다 order."""
    query = select(Company).where(Company.is_active.is_(True)).order_by(Company.name)
    if current_user.role == Role.MEMBER:
        query = query.where(Company.id == current_user.company_id)
    elif current_user.role == Role.STAFF:
        query = query.where(Company.cluster_id.in_(current_user.managed_cluster_ids()))
    return db.session.scalars(query).all()


@bp.route("/invite", methods=["GET", "POST"])
@login_required
def invite():
    companies = _invitable_companies()
    form = InviteForm()
    form.company_id.choices = [(c.id, c.name) for c in companies]
    if current_user.role == Role.MEMBER and request.method == "GET":
        form.company_id.data = current_user.company_id
    if not companies:
        flash(_("초대할 수 있는 기업이 없습니다."), "info")
    if form.validate_on_submit():
        company = db.session.get(Company, form.company_id.data)
        if company is None:
            abort(404)
        try:
            services.create_invitation(current_user, company, form.email.data)
        except services.AccountError as exc:
            flash(str(exc), "error")
            return render_template("auth/invite.html", form=form), 400
        db.session.commit()
        flash(_("%(email)s 주소로 초대 메일을 보냈습니다.", email=form.email.data.strip().lower()), "success")
        return redirect(url_for("auth.invite"))
    return render_template("auth/invite.html", form=form), (400 if form.errors else 200)


@bp.route("/signup/<token>", methods=["GET", "POST"])
def signup(token: str):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render_template("auth/link_invalid.html", kind="invitation"), 404
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                invitation, form.name.data, form.password.data, form.mobile.data or None, locale=_current_lang()
            )
        except services.AccountError as exc:
            flash(str(exc), "error")
            return render_template("auth/signup.html", form=form, invitation=invitation), 400
        try:
            db.session.commit()
        except IntegrityError:
            # The same link submitted twice at once: the other request created the account.
            db.session.rollback()
            flash(_("이미 가입된 이메일 주소입니다."), "error")
            return redirect(url_for("auth.login"))
        # Someone else may be signed in on this browser: the new account replaces them.
        logout_user()
        login_user(user)
        flash(_("가입을 환영합니다, %(name)s 님.", name=user.name), "success")
        return redirect(url_for("events.home"))
    return render_template("auth/signup.html", form=form, invitation=invitation), (400 if form.errors else 200)


def _current_lang() -> str:
    from app.i18n import _locale_key

    return _locale_key()


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        # Same answer whether or not the account exists: no account enumeration.
        flash(_("가입된 이메일이라면 비밀번호 재설정 링크를 보냈습니다. 메일함을 확인해 주세요."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    reset = services.find_password_reset(token)
    if reset is None:
        return render_template("auth/link_invalid.html", kind="reset"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(reset, form.password.data)
        except services.AccountError as exc:
            flash(str(exc), "error")
            return render_template("auth/reset_password.html", form=form), 400
        db.session.commit()
        flash(_("비밀번호를 변경했습니다. 새 비밀번호로 로그인해 주세요."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), (400 if form.errors else 200)
