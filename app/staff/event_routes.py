"""Staff pages to create, edit, publish, cancel and duplicate events (on the `staff` blueprint)."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.decorators import staff_required
from app.events.access import managed_clusters, managed_event
from app.events.manage import (
    EventData,
    EventError,
    SeriesRule,
    cancel_event,
    create_event,
    create_series,
    duplicate_event,
    publish_event,
    update_event,
)
from app.extensions import db
from app.forms import ChoiceField, ConfirmForm, Form, one_line
from app.i18n import SEOUL
from app.models import Cluster, EventKind, ResearchGroup
from app.routing import MAX_DB_INT, bounded_int, db_id
from app.staff.blueprint import bp

DT_FORMAT = "%Y-%m-%dT%H:%M"


def _none_if_zero(value):
    """The research group select: 0 is "none"; any other value an id within the database range."""
    return None if bounded_int(value) == 0 else db_id(value)


# Years an event may be in. Year 1 or 9999 overflowed the KST -> UTC conversion into a 500;
# a date outside is refused like unparseable input, with WTForms' own (translated) message.
EVENT_YEARS = range(2000, 2101)
# A variable, not a literal: the text is in WTForms' catalog, not one for pybabel to extract.
_WTFORMS_INVALID_DATETIME = "Not a valid datetime value."


class EventDateTimeField(DateTimeLocalField):
    """A Seoul wall-clock date-time within EVENT_YEARS."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and self.data.year not in EVENT_YEARS:
            self.data = None
            raise ValueError(self.gettext(_WTFORMS_INVALID_DATETIME))


class EventForm(Form):
    kind = ChoiceField(_l("행사 종류"), enum=EventKind)
    host_cluster_id = ChoiceField(_l("주최 클러스터"), coerce=db_id)
    # The service checks that the group belongs to the host cluster (with its own message).
    research_group_id = ChoiceField(_l("연구회 (연구회 모임만)"), coerce=_none_if_zero, validate_choice=False)
    participating_cluster_ids = SelectMultipleField(
        _l("참여 클러스터 (클러스터 간 포럼만)"),
        coerce=db_id,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    # Titles and places are one-line properties of the event's calendar file (SUMMARY, LOCATION).
    title_ko = StringField(
        _l("행사명"), filters=[one_line], validators=[DataRequired(_l("행사명을 입력해 주세요.")), Length(max=200)]
    )
    title_en = StringField(_l("영문 행사명 (선택)"), filters=[one_line], validators=[Optional(), Length(max=200)])
    description_ko = TextAreaField(_l("소개"), validators=[Optional(), Length(max=10000)])
    description_en = TextAreaField(_l("영문 소개 (선택)"), validators=[Optional(), Length(max=10000)])
    starts_at = EventDateTimeField(
        _l("시작 일시 (한국 시간)"),
        format=DT_FORMAT,
        validators=[DataRequired(_l("시작 일시와 종료 일시를 입력해 주세요."))],
    )
    ends_at = EventDateTimeField(
        _l("종료 일시 (한국 시간)"),
        format=DT_FORMAT,
        validators=[DataRequired(_l("시작 일시와 종료 일시를 입력해 주세요."))],
    )
    venue_name = StringField(_l("장소"), filters=[one_line], validators=[Optional(), Length(max=200)])
    venue_address = StringField(_l("주소"), filters=[one_line], validators=[Optional(), Length(max=300)])
    # max: a number the database integer column holds (larger ones overflowed into a 500).
    capacity = IntegerField(
        _l("정원"),
        validators=[
            DataRequired(_l("정원은 1명 이상이어야 합니다.")),
            NumberRange(min=1, message=_l("정원은 1명 이상이어야 합니다.")),
            NumberRange(max=MAX_DB_INT),
        ],
    )
    seats_per_company = IntegerField(
        _l("기업당 인원 (선택)"),
        validators=[
            Optional(),
            NumberRange(min=1, message=_l("기업당 인원은 1명 이상이거나 비워 두어야 합니다.")),
            NumberRange(max=MAX_DB_INT),
        ],
    )
    registration_opens_at = EventDateTimeField(_l("신청 시작 (선택)"), format=DT_FORMAT, validators=[Optional()])
    registration_closes_at = EventDateTimeField(_l("신청 마감 (선택)"), format=DT_FORMAT, validators=[Optional()])
    open_to_guests = BooleanField(_l("외부 기업 참가 허용"))
    open_to_all_clusters = BooleanField(_l("모든 클러스터 기업 참가 허용"))
    allows_observers = BooleanField(_l("참관 허용 (협의회 정기회의)"), default=True)
    submit = SubmitField(_l("저장"))


class NewEventForm(EventForm):
    repeat = ChoiceField(
        _l("반복"),
        choices=[
            ("", _l("반복 안 함")),
            ("weekly", _l("매주")),
            ("biweekly", _l("격주")),
            ("monthly", _l("매월 같은 주 같은 요일 (예: 둘째 화요일)")),
        ],
    )
    repeat_months = IntegerField(_l("반복 기간 (개월)"), validators=[Optional()])
    repeat_until = DateField(_l("또는 반복 종료일"), validators=[Optional()])


def _kst(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(SEOUL).replace(tzinfo=None) if value else None


def _from_kst(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=SEOUL) if value else None


def _set_choices(form: EventForm) -> None:
    all_clusters = db.session.scalars(select(Cluster).order_by(Cluster.id)).all()
    managed = managed_clusters(current_user)
    form.host_cluster_id.choices = [(c.id, c.name) for c in managed]
    form.participating_cluster_ids.choices = [(c.id, c.name) for c in all_clusters]
    groups = db.session.scalars(
        select(ResearchGroup).where(ResearchGroup.cluster_id.in_([c.id for c in managed])).order_by(ResearchGroup.name)
    ).all()
    form.research_group_id.choices = [(0, _("선택 안 함"))] + [(g.id, f"{g.name} ({g.cluster.name})") for g in groups]


def _data(form: EventForm) -> EventData:
    return EventData(
        kind=form.kind.data,
        host_cluster_id=form.host_cluster_id.data,
        title_ko=form.title_ko.data,
        title_en=form.title_en.data,
        description_ko=form.description_ko.data or "",
        description_en=form.description_en.data,
        starts_at=_from_kst(form.starts_at.data),
        ends_at=_from_kst(form.ends_at.data),
        capacity=form.capacity.data,
        venue_name=form.venue_name.data or "",
        venue_address=form.venue_address.data or "",
        seats_per_company=form.seats_per_company.data,
        registration_opens_at=_from_kst(form.registration_opens_at.data),
        registration_closes_at=_from_kst(form.registration_closes_at.data),
        open_to_guests=form.open_to_guests.data,
        open_to_all_clusters=form.open_to_all_clusters.data,
        allows_observers=form.allows_observers.data,
        research_group_id=form.research_group_id.data,
        participating_cluster_ids=form.participating_cluster_ids.data or [],
    )


def _form_page(form, event, status=200):
    return render_template("staff/event_form.html", form=form, event=event), status


@bp.route("/events/new", methods=["GET", "POST"])
@staff_required
def event_new():
    form = NewEventForm()
    _set_choices(form)
    if not form.host_cluster_id.choices:
        abort(403)
    if form.validate_on_submit():
        try:
            if form.repeat.data:
                rule = SeriesRule(form.repeat.data, months=form.repeat_months.data, until=form.repeat_until.data)
                events = create_series(_data(form), rule, current_user)
            else:
                events = [create_event(_data(form), current_user)]
        except EventError as exc:
            flash(str(exc), "error")
            return _form_page(form, None, 400)
        db.session.commit()
        if len(events) > 1:
            flash(_("반복 일정 %(count)d건을 초안으로 만들었습니다.", count=len(events)), "success")
            return redirect(url_for("staff.dashboard"))
        flash(_("행사를 초안으로 만들었습니다. 공개해야 신청을 받습니다."), "success")
        return redirect(url_for("staff.event_edit", event_id=events[0].id))
    return _form_page(form, None, 400 if form.errors else 200)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@staff_required
def event_edit(event_id: int):
    event = managed_event(event_id)
    form = EventForm(obj=event)
    _set_choices(form)
    if request.method == "GET":
        form.kind.data = event.kind.value
        form.research_group_id.data = event.research_group_id or 0
        form.participating_cluster_ids.data = [c.id for c in event.participating_clusters]
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            getattr(form, name).data = _kst(getattr(event, name))
    if form.validate_on_submit():
        try:
            material = update_event(event, _data(form), current_user)
        except EventError as exc:
            flash(str(exc), "error")
            return _form_page(form, event, 400)
        db.session.commit()
        if material:
            flash(_("행사를 저장하고 신청자에게 변경 안내 메일을 보냈습니다."), "success")
        else:
            flash(_("행사를 저장했습니다."), "success")
        return redirect(url_for("staff.event_edit", event_id=event.id))
    return _form_page(form, event, 400 if form.errors else 200)


@bp.post("/events/<int:event_id>/publish")
@staff_required
def event_publish(event_id: int):
    event = managed_event(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        publish_event(event, current_user)
    except EventError as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.event_edit", event_id=event.id))
    db.session.commit()
    flash(_("행사를 공개했습니다."), "success")
    return redirect(url_for("staff.event_edit", event_id=event.id))


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@staff_required
def event_cancel(event_id: int):
    event = managed_event(event_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            cancel_event(event, current_user)
        except EventError as exc:
            flash(str(exc), "error")
            return redirect(url_for("staff.event_edit", event_id=event.id))
        db.session.commit()
        flash(_("행사를 취소하고 신청자에게 안내 메일을 보냈습니다."), "success")
        return redirect(url_for("staff.dashboard"))
    if request.method == "POST":
        abort(400)
    return render_template("staff/event_cancel.html", form=form, event=event)


@bp.post("/events/<int:event_id>/duplicate")
@staff_required
def event_duplicate(event_id: int):
    event = managed_event(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    copy = duplicate_event(event, current_user)
    db.session.commit()
    flash(_("행사를 복사해 새 초안을 만들었습니다."), "success")
    return redirect(url_for("staff.event_edit", event_id=copy.id))
