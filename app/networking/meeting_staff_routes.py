"""Staff pages of an event's 1:1 meetings: slots and tables (generate, add, remove after a
confirmation) and the printed schedule per company.

The forms live on the staff networking page (its meetings part); a refused form is shown again
on /staff/events/<id>/networking/meetings, the same part on a page of its own, with the
message and what was typed. Only staff of the event's host cluster (and admins) get here.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.auth.decorators import staff_required
from app.events.access import managed_event
from app.exports import inline_pdf
from app.extensions import db
from app.forms import ConfirmForm
from app.i18n import format_kst_range
from app.models import Event, utcnow
from app.networking import schedule_pdf, slots
from app.networking.blueprint import bp
from app.networking.meeting_forms import (
    SlotAddForm,
    SlotGenerateForm,
    TableAddForm,
    TablesGenerateForm,
    parse_clock,
    parse_date,
    staff_meetings_context,
)
from app.networking.meetings import MeetingError


def _settings(event: Event):
    return redirect(url_for("networking.staff_networking", event_id=event.id, _anchor="meetings"), code=303)


def _refused(event: Event, message: str | None = None, **forms):
    """The meetings part on its own page with the refused form (400)."""
    return render_template(
        "networking/staff_meetings_page.html", event=event, error=message, **staff_meetings_context(event, **forms)
    ), 400


@bp.get("/staff/events/<int:event_id>/networking/meetings")
@staff_required
def staff_meetings(event_id: int):
    event = managed_event(event_id)
    return render_template(
        "networking/staff_meetings_page.html", event=event, error=None, **staff_meetings_context(event)
    )


@bp.post("/staff/events/<int:event_id>/networking/slots/generate")
@staff_required
def staff_slots_generate(event_id: int):
    event = managed_event(event_id)
    form = SlotGenerateForm()
    if not form.validate_on_submit():
        return _refused(event, slot_generate_form=form)
    try:
        created, left = slots.generate_slots(
            event.id,
            parse_date(form.day.data),
            parse_clock(form.starts.data),
            parse_clock(form.ends.data),
            int(form.length.data),
        )
    except slots.ScheduleError as exc:
        db.session.rollback()
        return _refused(managed_event(event_id), exc.message, slot_generate_form=form)
    text = ngettext("미팅 시간대 %(num)d개를 만들었습니다.", "미팅 시간대 %(num)d개를 만들었습니다.", len(created))
    if left:
        text += " " + _("끝에 남는 %(n)d분은 한 시간대가 되지 않아 비워 두었습니다.", n=left)
    db.session.commit()
    flash(text, "success")
    return _settings(event)


@bp.post("/staff/events/<int:event_id>/networking/slots/add")
@staff_required
def staff_slot_add(event_id: int):
    event = managed_event(event_id)
    form = SlotAddForm()
    if not form.validate_on_submit():
        return _refused(event, slot_add_form=form)
    try:
        slot = slots.add_slot(
            event.id, parse_date(form.one_day.data), parse_clock(form.one_starts.data), parse_clock(form.one_ends.data)
        )
    except slots.ScheduleError as exc:
        db.session.rollback()
        return _refused(managed_event(event_id), exc.message, slot_add_form=form)
    when = format_kst_range(slot.starts_at, slot.ends_at)
    db.session.commit()
    flash(_("미팅 시간대 %(when)s을(를) 추가했습니다.", when=when), "success")
    return _settings(event)


@bp.route("/staff/events/<int:event_id>/networking/slots/<int:slot_id>/remove", methods=["GET", "POST"])
@staff_required
def staff_slot_remove(event_id: int, slot_id: int):
    event = managed_event(event_id)
    slot = slots.slot_or_none(event, slot_id)
    if slot is None:
        abort(404)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        when = format_kst_range(slot.starts_at, slot.ends_at)
        try:
            cancelled = slots.remove_slot(event.id, slot_id, now=utcnow())
        except MeetingError:
            db.session.rollback()
            abort(404)  # removed meanwhile by someone else
        db.session.commit()
        flash(_removed_text(_("미팅 시간대 %(what)s을(를) 삭제했습니다.", what=when), cancelled), "success")
        return _settings(event)
    return render_template(
        "networking/staff_remove_confirm.html",
        event=event,
        form=form,
        what=format_kst_range(slot.starts_at, slot.ends_at),
        kind="slot",
        affected=slots.meetings_in_slot(slot),
    )


@bp.post("/staff/events/<int:event_id>/networking/tables/generate")
@staff_required
def staff_tables_generate(event_id: int):
    event = managed_event(event_id)
    form = TablesGenerateForm()
    if not form.validate_on_submit():
        return _refused(event, tables_generate_form=form)
    try:
        created = slots.generate_tables(event.id, form.table_prefix.data, int(form.count.data))
    except slots.ScheduleError as exc:
        db.session.rollback()
        return _refused(managed_event(event_id), exc.message, tables_generate_form=form)
    db.session.commit()
    if created:
        flash(ngettext("테이블 %(num)d개를 만들었습니다.", "테이블 %(num)d개를 만들었습니다.", len(created)), "success")
    else:
        flash(_("같은 이름의 테이블이 모두 있어 새로 만든 테이블이 없습니다."), "info")
    return _settings(event)


@bp.post("/staff/events/<int:event_id>/networking/tables/add")
@staff_required
def staff_table_add(event_id: int):
    event = managed_event(event_id)
    form = TableAddForm()
    if not form.validate_on_submit():
        return _refused(event, table_add_form=form)
    try:
        table = slots.add_table(event.id, form.table_name.data)
    except slots.ScheduleError as exc:
        db.session.rollback()
        return _refused(managed_event(event_id), exc.message, table_add_form=form)
    name = table.name
    db.session.commit()
    flash(_("'%(name)s' 테이블을 추가했습니다.", name=name), "success")
    return _settings(event)


@bp.route("/staff/events/<int:event_id>/networking/tables/<int:table_id>/remove", methods=["GET", "POST"])
@staff_required
def staff_table_remove(event_id: int, table_id: int):
    event = managed_event(event_id)
    table = slots.table_or_none(event, table_id)
    if table is None:
        abort(404)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        name = table.name
        try:
            cancelled = slots.remove_table(event.id, table_id, now=utcnow())
        except MeetingError:
            db.session.rollback()
            abort(404)
        db.session.commit()
        flash(_removed_text(_("'%(what)s' 테이블을 삭제했습니다.", what=name), cancelled), "success")
        return _settings(event)
    return render_template(
        "networking/staff_remove_confirm.html",
        event=event,
        form=form,
        what=table.name,
        kind="table",
        affected=slots.meetings_at_table(table),
    )


def _removed_text(done: str, cancelled: list) -> str:
    if not cancelled:
        return done
    return done + " " + _("미팅 %(n)d건을 취소하고 두 기업에 메일로 알렸습니다.", n=len(cancelled))


@bp.get("/staff/events/<int:event_id>/networking/schedule.pdf")
@staff_required
def staff_schedule_pdf(event_id: int):
    """Each company's meeting schedule, one page per company, for the door."""
    event = managed_event(event_id)
    data = schedule_pdf.schedule_pdf(event, utcnow())
    return inline_pdf(data, schedule_pdf.schedule_filename(event))
