"""Forms of the 1:1 meetings: the attendee's request, and the staff's slots and tables (with the
staff meetings part's context, shared by the settings page and the meetings page).

Dates and clock times are typed as text (the browser shows its date and time pickers) and read
here with Korean messages; they are Seoul dates and times, turned into UTC by slots.py. Field
names differ between the forms because several of them share the staff page.
"""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from app.forms import Form, strip
from app.i18n import to_kst
from app.models import Event
from app.networking import slots
from app.networking.meetings import MESSAGE_MAX
from app.networking.slots import LENGTH_MAX, LENGTH_MIN, MAX_TABLES, TABLE_NAME_MAX
from app.routing import bounded_int

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK_RE = re.compile(r"\d{1,2}:\d{2}")


def parse_date(value: str | None) -> dt.date | None:
    if not value or not _DATE_RE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_clock(value: str | None) -> dt.time | None:
    if not value or not _CLOCK_RE.fullmatch(value):
        return None
    hours, minutes = (int(part) for part in value.split(":"))
    if hours > 23 or minutes > 59:
        return None
    return dt.time(hours, minutes)


def _date_field(label):
    def check(_form, field):
        if parse_date(field.data) is None:
            raise ValidationError(_l("날짜를 2026-12-03 형식으로 입력해 주세요."))

    return StringField(
        label,
        filters=[strip],
        validators=[DataRequired(_l("날짜를 입력해 주세요.")), check],
        render_kw={"type": "date"},
    )


def _clock_field(label):
    def check(_form, field):
        if parse_clock(field.data) is None:
            raise ValidationError(_l("시각을 19:30 형식(24시간)으로 입력해 주세요."))

    return StringField(
        label,
        filters=[strip],
        validators=[DataRequired(_l("시각을 입력해 주세요.")), check],
        render_kw={"type": "time", "step": "300"},
    )


def _number_field(label, minimum: int, maximum: int):
    message = _l("%(a)d에서 %(b)d 사이의 숫자를 입력해 주세요.", a=minimum, b=maximum)

    def check(_form, field):
        try:
            bounded_int(field.data, minimum=minimum, maximum=maximum)
        except ValueError:
            raise ValidationError(message) from None

    return StringField(
        label,
        filters=[strip],
        validators=[DataRequired(message), check],
        render_kw={"inputmode": "numeric", "pattern": "[0-9]*"},
    )


class SlotGenerateForm(Form):
    day = _date_field(_l("날짜"))
    starts = _clock_field(_l("시작 시각 (서울 시간)"))
    ends = _clock_field(_l("끝 시각 (서울 시간)"))
    length = _number_field(_l("미팅 길이 (분)"), LENGTH_MIN, LENGTH_MAX)
    submit = SubmitField(_l("시간대 만들기"))


class SlotAddForm(Form):
    one_day = _date_field(_l("날짜"))
    one_starts = _clock_field(_l("시작 시각 (서울 시간)"))
    one_ends = _clock_field(_l("끝 시각 (서울 시간)"))
    submit = SubmitField(_l("시간대 하나 추가"))


class TablesGenerateForm(Form):
    table_prefix = StringField(
        _l("테이블 이름 앞부분"),
        filters=[strip],
        validators=[DataRequired(_l("테이블 이름을 입력해 주세요."))],
        render_kw={"maxlength": TABLE_NAME_MAX - 4},
    )
    count = _number_field(_l("테이블 수 (1번부터, 이미 있는 번호는 건너뜀)"), 1, MAX_TABLES)
    submit = SubmitField(_l("테이블 만들기"))


class TableAddForm(Form):
    table_name = StringField(
        _l("테이블 이름"),
        filters=[strip],
        validators=[DataRequired(_l("테이블 이름을 입력해 주세요."))],
        render_kw={"maxlength": TABLE_NAME_MAX},
    )
    submit = SubmitField(_l("테이블 추가"))


class MeetingRequestForm(Form):
    """The company and slot come as ids (read in the view with db_id); the message is free text."""

    message = TextAreaField(
        _l("메시지 (선택, %(n)d자 이내)", n=MESSAGE_MAX),
        filters=[strip],
        render_kw={"maxlength": MESSAGE_MAX, "rows": 3},
    )
    submit = SubmitField(_l("미팅 요청 보내기"))


def staff_meetings_context(event: Event, **forms) -> dict:
    """The staff meetings part's context: the schedule (three queries) and a fresh form for each
    form not given (a refused one is shown again with its input and errors). Fresh forms start
    with the event's Seoul date and the usual evening (19:30-21:00, 20 minutes, 10 tables);
    these are only shown, never assumed for a field a request leaves out."""
    day = to_kst(event.starts_at).date().isoformat()
    generate = SlotGenerateForm(formdata=None, day=day, starts="19:30", ends="21:00", length="20")
    return {
        "schedule": slots.schedule_of(event),
        "slot_generate_form": forms.get("slot_generate_form") or generate,
        "slot_add_form": forms.get("slot_add_form") or SlotAddForm(formdata=None, one_day=day),
        "tables_generate_form": forms.get("tables_generate_form")
        or TablesGenerateForm(formdata=None, table_prefix=_l("테이블"), count="10"),
        "table_add_form": forms.get("table_add_form") or TableAddForm(formdata=None),
    }
