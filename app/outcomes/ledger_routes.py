"""The staff pages of the outcome ledger: the list with filters and its export, recording, detail with history,
moving a stage forward and confirming (each behind a confirm step), linking events, evidence upload and download.

Every page: load (404) -> staff who see the outcome (403) -> app/outcomes/ledger.py -> one commit.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import StringField, TextAreaField

from app.auth.decorators import staff_required
from app.events.access import managed_clusters
from app.exports import Sheet, clean_filename, private_download, workbook_bytes
from app.extensions import db
from app.forms import ConfirmForm, Form, one_line, strip
from app.i18n import SEOUL, seoul_today
from app.models import (
    Attribution,
    Cluster,
    Company,
    Event,
    Outcome,
    OutcomeChange,
    OutcomeParty,
    OutcomeStage,
    User,
    outcome_events,
    utcnow,
)
from app.outcomes import ledger
from app.outcomes.blueprint import bp
from app.routing import int_arg, page_arg

PER_PAGE = 50
EVENT_CHOICES = 300  # past events offered in the pickers, newest first
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CHANGE_LABELS = {
    "created": _l("기록"),
    "stage": _l("단계 변경"),
    "confirmed": _l("확인"),
    "events": _l("행사 연결"),
    "evidence": _l("증빙 추가"),
    "edited": _l("수정"),
}
CONFIRMATION_LABELS = {ledger.CONFIRMED: _l("상대 확인됨"), ledger.ONE_SIDED: _l("한쪽 보고 (확인 대기)")}


class OutcomeForm(Form):
    """Recording an outcome. Companies and events come as lists (checkboxes); the service checks all of it."""

    title = StringField(_l("제목"), filters=[one_line])
    occurred_on = StringField(_l("성과 날짜"), filters=[strip])
    amount_won = StringField(_l("금액 (원, 선택)"), filters=[strip])
    description = TextAreaField(_l("내용 (선택)"), filters=[strip])
    evidence_url = StringField(_l("증빙 링크 (선택, 운영자만 봄)"), filters=[strip])
    evidence_file = FileField(_l("증빙 파일 (선택, 운영자만 봄)"))


class AdvanceForm(Form):
    occurred_on = StringField(_l("새 단계의 날짜 (선택)"), filters=[strip])
    amount_won = StringField(_l("금액 (원, 선택)"), filters=[strip])
    summary = StringField(_l("메모 (선택)"), filters=[one_line])


class EvidenceForm(Form):
    evidence_url = StringField(_l("증빙 링크"), filters=[strip])
    evidence_file = FileField(_l("증빙 파일"))


# --- loading and scope ---------------------------------------------------------------------------


def _managed_outcome(outcome_id: int) -> Outcome:
    outcome = db.session.get(Outcome, outcome_id)
    if outcome is None:
        abort(404)
    if not ledger.may_manage(current_user, outcome):
        abort(403)
    return outcome


def _date_arg(name: str) -> tuple[dt.date | None, bool]:
    """A YYYY-MM-DD query argument: (date or None, whether it was malformed)."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None, False
    try:
        return dt.date.fromisoformat(raw), False
    except ValueError:
        return None, True


def _parse_date(raw: str | None) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ledger.OutcomeError(_("날짜를 YYYY-MM-DD 형식으로 입력해 주세요.")) from None


def _filter_from_args():
    """(LedgerFilter, the chosen cluster, the query arguments to keep, notice) from the query string."""
    clusters = managed_clusters(current_user)
    cluster = None
    slug = (request.args.get("cluster") or "").strip()
    if slug:
        cluster = db.session.scalar(select(Cluster).where(Cluster.slug == slug[:40]))
        if cluster is None:
            abort(404)
        if not current_user.can_manage_cluster(cluster.id):
            abort(403)
    stage = None
    if request.args.get("stage"):
        try:
            stage = OutcomeStage(request.args["stage"])
        except ValueError:
            stage = None
    confirmation = request.args.get("confirmation")
    if confirmation not in (ledger.CONFIRMED, ledger.ONE_SIDED):
        confirmation = None
    event_id = int_arg(request.args, "event", None, minimum=1)
    start, bad_start = _date_arg("from")
    end, bad_end = _date_arg("to")
    notice = _("날짜는 YYYY-MM-DD 형식으로 입력해 주세요.") if bad_start or bad_end else None
    f = ledger.LedgerFilter(
        cluster_id=cluster.id if cluster else None,
        stage=stage,
        confirmation=confirmation,
        event_id=event_id,
        start=start,
        end=end,
    )
    args = {
        "cluster": cluster.slug if cluster else None,
        "stage": stage.value if stage else None,
        "confirmation": confirmation,
        "event": event_id,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
    }
    return f, clusters, {k: v for k, v in args.items() if v is not None}, notice


def _ledger_events() -> list[Event]:
    """Events that visible outcomes are attributed to (the event filter), newest first."""
    visible = ledger.outcomes_visible_to(current_user).with_only_columns(Outcome.id)
    return list(
        db.session.scalars(
            select(Event)
            .where(
                Event.id.in_(
                    select(outcome_events.c.event_id).where(outcome_events.c.outcome_id.in_(visible.scalar_subquery()))
                )
            )
            .order_by(Event.starts_at.desc())
            .limit(EVENT_CHOICES)
        )
    )


def _pickable_events() -> list[Event]:
    """Past events of the clusters the user manages (every cluster for admins), newest first."""
    query = select(Event).where(Event.starts_at <= utcnow()).order_by(Event.starts_at.desc()).limit(EVENT_CHOICES)
    ids = current_user.managed_cluster_ids()
    if ids is not None:
        query = query.where(Event.host_cluster_id.in_(ids or [-1]))
    return list(db.session.scalars(query))


def _pickable_companies() -> list[Company]:
    return list(
        db.session.scalars(
            select(Company)
            .options(joinedload(Company.cluster))
            .where(Company.is_active.is_(True))
            .order_by(Company.sort_name, Company.id)
        )
    )


# --- the list and its export ---------------------------------------------------------------------


@bp.get("/staff/outcomes")
@staff_required
def ledger_list():
    f, clusters, args, notice = _filter_from_args()
    query = ledger.filtered(current_user, f)
    pagination = ledger.page_of(query, page_arg(request.args), PER_PAGE)
    return render_template(
        "outcomes/ledger_list.html",
        pagination=pagination,
        totals=ledger.totals(query),
        clusters=clusters,
        events=_ledger_events(),
        stages=list(OutcomeStage),
        confirmation_labels=CONFIRMATION_LABELS,
        f=f,
        args=args,
        notice=notice,
    )


@bp.get("/staff/outcomes.xlsx")
@staff_required
def ledger_xlsx():
    from app.audit import record_access

    f, _clusters, _args, _notice = _filter_from_args()
    outcomes = ledger.all_of(ledger.filtered(current_user, f))
    data = ledger_workbook(outcomes)
    record_access("outcome ledger export", count=len(outcomes))
    db.session.commit()
    name = clean_filename(f"성과장부_{seoul_today().isoformat()}") + ".xlsx"
    return private_download(data, XLSX, name, f"outcomes-{seoul_today().isoformat()}.xlsx")


def ledger_workbook(outcomes: list[Outcome]) -> bytes:
    """The ledger as one sheet, a row per outcome (confirmed or one-sided in its own column)."""
    header = [
        _("번호"),
        _("성과 날짜"),
        _("제목"),
        _("단계"),
        _("확인"),
        _("금액 (원)"),
        _("기업"),
        _("확인한 기업"),
        _("행사"),
        _("행사 기여도"),
        _("출처"),
        _("보고 기업"),
        _("기록한 사람"),
        _("증빙"),
        _("기록 일시"),
    ]
    rows = []
    for o in outcomes:
        names = [p.company.name for p in o.parties]
        rows.append(
            [
                o.id,
                o.occurred_on,
                o.title,
                o.stage.label,
                str(CONFIRMATION_LABELS[ledger.CONFIRMED if o.confirmed else ledger.ONE_SIDED]),
                o.amount_won,
                ", ".join(names),
                ", ".join(p.company.name for p in o.parties if p.confirmed_at is not None),
                ", ".join(e.title_ko for e in o.events),
                o.attribution.label if o.attribution else "",
                _("기업 보고") if o.source == "followup" else _("운영자 기록"),
                o.reported_by_company.name if o.reported_by_company else "",
                o.recorded_by.name if o.recorded_by else "",
                ", ".join(x for x in (o.evidence_filename, o.evidence_url) if x),
                o.created_at.astimezone(SEOUL).replace(tzinfo=None),
            ]
        )
    sheet = Sheet(
        _("성과 장부"),
        header,
        rows,
        widths=[7, 12, 40, 18, 18, 16, 40, 30, 40, 24, 12, 20, 14, 30, 18],
        datetime_columns=["O"],
        autofilter=True,
    )
    return workbook_bytes([sheet])


# --- recording -----------------------------------------------------------------------------------


def _evidence_upload(form) -> tuple[str, bytes] | None:
    storage = form.evidence_file.data
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return storage.filename, storage.read(ledger.EVIDENCE_MAX_BYTES + 1)


@bp.route("/staff/outcomes/new", methods=["GET", "POST"])
@staff_required
def ledger_new():
    form = OutcomeForm()
    error = None
    chosen = {"companies": [], "events": [], "stage": "", "attribution": ""}
    if request.method == "GET":
        event_id = int_arg(request.args, "event", None, minimum=1)
        if event_id:
            chosen["events"] = [event_id]
    if form.validate_on_submit():
        chosen = {
            "companies": ledger._ids(request.form.getlist("company")),
            "events": ledger._ids(request.form.getlist("event")),
            "stage": request.form.get("stage", ""),
            "attribution": request.form.get("attribution", ""),
        }
        try:
            allowed = {e.id for e in _pickable_events()}
            if any(e not in allowed for e in chosen["events"]):
                raise ledger.OutcomeError(_("담당 클러스터의 지난 행사만 고를 수 있습니다."))
            outcome = ledger.record_outcome(
                title=form.title.data or "",
                stage=chosen["stage"],
                occurred_on=_parse_date(form.occurred_on.data) or _missing_date(),
                company_ids=chosen["companies"],
                event_ids=chosen["events"],
                amount_won=ledger.parse_amount(form.amount_won.data),
                attribution=chosen["attribution"] or None,
                description=form.description.data or "",
                source="staff",
                recorded_by=current_user,
                evidence_url=form.evidence_url.data,
            )
            upload = _evidence_upload(form)
            if upload:
                ledger.attach_evidence(outcome, filename=upload[0], data=upload[1], by_user=current_user)
        except ledger.OutcomeError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("성과를 기록했습니다. 기업들의 확인을 받으면 전체 집계에 들어갑니다."), "success")
            return redirect(url_for("outcomes.ledger_detail", outcome_id=outcome.id), code=303)
    elif request.method == "POST":
        error = _("보안 확인에 실패했습니다. 페이지를 새로고침한 뒤 다시 시도해 주세요.")
    return (
        render_template(
            "outcomes/ledger_form.html",
            form=form,
            error=error,
            chosen=chosen,
            companies=_pickable_companies(),
            events=_pickable_events(),
            stages=[s for s in OutcomeStage if s.is_outcome],
            attributions=list(Attribution),
            today=seoul_today(),
        ),
        400 if error else 200,
    )


def _missing_date():
    raise ledger.OutcomeError(_("성과 날짜를 입력해 주세요."))


# --- detail and changes --------------------------------------------------------------------------


@bp.get("/staff/outcomes/<int:outcome_id>")
@staff_required
def ledger_detail(outcome_id: int):
    outcome = _managed_outcome(outcome_id)
    parties = list(
        db.session.scalars(
            select(OutcomeParty)
            .options(joinedload(OutcomeParty.company).joinedload(Company.cluster))
            .where(OutcomeParty.outcome_id == outcome.id)
            .order_by(OutcomeParty.company_id)
        )
    )
    changes = list(
        db.session.scalars(
            select(OutcomeChange).where(OutcomeChange.outcome_id == outcome.id).order_by(OutcomeChange.id)
        )
    )
    people = {
        u.id: u
        for u in db.session.scalars(select(User).where(User.id.in_({c.by_user_id for c in changes if c.by_user_id})))
    }
    companies = {p.company_id: p.company for p in parties}
    linked = {e.id for e in outcome.events}
    return render_template(
        "outcomes/ledger_detail.html",
        outcome=outcome,
        parties=parties,
        changes=changes,
        people=people,
        companies=companies,
        change_labels=CHANGE_LABELS,
        later_stages=[s for s in OutcomeStage if s.rank > outcome.stage.rank],
        more_events=[e for e in _pickable_events() if e.id not in linked],
        evidence_form=EvidenceForm(),
        form=ConfirmForm(),
    )


@bp.route("/staff/outcomes/<int:outcome_id>/stage", methods=["GET", "POST"])
@staff_required
def ledger_advance(outcome_id: int):
    """The confirm step (GET, or a POST with errors) and the change (POST)."""
    outcome = _managed_outcome(outcome_id)
    raw = request.values.get("stage", "")
    try:
        stage = OutcomeStage(raw)
    except ValueError:
        flash(_("단계를 목록에서 골라 주세요."), "error")
        return redirect(url_for("outcomes.ledger_detail", outcome_id=outcome.id), code=303)
    form = AdvanceForm()
    error = None
    if stage.rank <= outcome.stage.rank:
        error = _("단계는 앞으로만 옮길 수 있습니다 (현재: %(current)s).", current=outcome.stage.label)
    elif form.validate_on_submit():
        try:
            ledger.advance_stage(
                outcome,
                stage,
                occurred_on=_parse_date(form.occurred_on.data),
                amount_won=ledger.parse_amount(form.amount_won.data),
                by_user=current_user,
                summary=form.summary.data or "",
            )
        except ledger.OutcomeError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("단계를 %(stage)s(으)로 옮겼습니다.", stage=stage.label), "success")
            return redirect(url_for("outcomes.ledger_detail", outcome_id=outcome.id), code=303)
    elif request.method == "POST":
        error = _("보안 확인에 실패했습니다. 페이지를 새로고침한 뒤 다시 시도해 주세요.")
    return (
        render_template("outcomes/ledger_advance.html", outcome=outcome, stage=stage, form=form, error=error),
        400 if error else 200,
    )


@bp.route("/staff/outcomes/<int:outcome_id>/confirm/<int:company_id>", methods=["GET", "POST"])
@staff_required
def ledger_confirm(outcome_id: int, company_id: int):
    outcome = _managed_outcome(outcome_id)
    party = next((p for p in outcome.parties if p.company_id == company_id), None)
    if party is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        ledger.confirm_outcome(outcome, company_id, by_user=current_user)
        db.session.commit()
        flash(_("%(company)s의 확인을 기록했습니다.", company=party.company.name), "success")
        return redirect(url_for("outcomes.ledger_detail", outcome_id=outcome.id), code=303)
    return render_template("outcomes/ledger_confirm.html", outcome=outcome, party=party, form=form)


@bp.post("/staff/outcomes/<int:outcome_id>/events")
@staff_required
def ledger_link_events(outcome_id: int):
    outcome = _managed_outcome(outcome_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("보안 확인에 실패했습니다. 페이지를 새로고침한 뒤 다시 시도해 주세요."), "error")
        return redirect(url_for("outcomes.ledger_detail", outcome_id=outcome.id), code=303)
    ids = ledger._ids(request.form.getlist("event"))
    try:
        allowed = {e.id for e in _pickable_events()}
        if not ids:
            raise ledger.OutcomeError(_("성과가 나온 행사를 하나 이상 골라 주세요."))
        if any(i not in allowed for i in ids):
            raise ledger.OutcomeError(_("담당 클러스터의 지난 행사만 고를 수 있습니다."))
        added = ledger.link_events(outcome, ids, by_user=current_user)
    except ledger.OutcomeError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("행사 %(n)d개를 연결했습니다.", n=added), "success")
    return redirect(url_for("outcomes.ledger_detail", outcome_id=outcome.id), code=303)


@bp.post("/staff/outcomes/<int:outcome_id>/evidence")
@staff_required
def ledger_evidence(outcome_id: int):
    outcome = _managed_outcome(outcome_id)
    form = EvidenceForm()
    if not form.validate_on_submit():
        flash(_("보안 확인에 실패했습니다. 페이지를 새로고침한 뒤 다시 시도해 주세요."), "error")
        return redirect(url_for("outcomes.ledger_detail", outcome_id=outcome.id), code=303)
    try:
        upload = _evidence_upload(form)
        url = (form.evidence_url.data or "").strip()
        if upload is None and not url:
            raise ledger.OutcomeError(_("증빙 파일을 고르거나 링크를 입력해 주세요."))
        if url:
            ledger.set_evidence_url(outcome, url, by_user=current_user)
        if upload:
            ledger.attach_evidence(outcome, filename=upload[0], data=upload[1], by_user=current_user)
    except ledger.OutcomeError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("증빙을 저장했습니다."), "success")
    return redirect(url_for("outcomes.ledger_detail", outcome_id=outcome.id), code=303)


@bp.get("/staff/outcomes/<int:outcome_id>/evidence")
@staff_required
def ledger_evidence_download(outcome_id: int):
    outcome = _managed_outcome(outcome_id)
    if not ledger.may_see_evidence(current_user, outcome) or outcome.evidence_filename is None:
        abort(404)
    response = private_download(
        outcome.evidence_data or b"",
        outcome.evidence_content_type or "application/octet-stream",
        outcome.evidence_filename,
        f"outcome-{outcome.id}-evidence." + outcome.evidence_filename.rsplit(".", 1)[-1][:8],
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response
