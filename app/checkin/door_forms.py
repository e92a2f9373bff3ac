"""Forms at the door: a scanner link for a gate, and a walk-in registration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.checkin.devices import MAX_VALID_HOURS
from app.events.consent import CONSENT_LABEL
from app.forms import ChoiceField, Form, one_line, strip
from app.models import AttendeeRole
from app.routing import bounded_int


class DeviceForm(Form):
    gate = StringField(
        _l("게이트 이름"),
        filters=[strip],
        default=_l("A게이트"),
        validators=[DataRequired(_l("게이트 이름을 입력해 주세요.")), Length(max=60)],
    )
    valid_hours = IntegerField(
        _l("유효 시간 (시간)"),
        default=12,
        validators=[
            DataRequired(_l("유효 시간을 입력해 주세요.")),
            NumberRange(1, MAX_VALID_HOURS, _l("1에서 %(max)d 사이의 숫자를 입력해 주세요.", max=MAX_VALID_HOURS)),
        ],
    )
    submit = SubmitField(_l("스캐너 링크 만들기"))


class WalkInForm(Form):
    # 0: an outside company, typed in below.
    company_id = ChoiceField(_l("입주기업 (디렉터리)"), coerce=bounded_int)
    guest_company_name = StringField(
        _l("외부 기업명 (디렉터리에 없을 때)"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    guest_brn = StringField(_l("외부 기업 사업자등록번호"), filters=[strip], validators=[Optional(), Length(max=20)])
    name = StringField(_l("이름"), filters=[strip], validators=[Optional(), Length(max=100)])
    email = StringField(_l("이메일"), filters=[strip], validators=[Optional(), Length(max=254)])
    mobile = StringField(_l("휴대전화 (선택)"), filters=[strip], validators=[Optional(), Length(max=20)])
    job_title = StringField(_l("직함 (선택)"), filters=[strip], validators=[Optional(), Length(max=100)])
    # Choices per event (walkins.role_choices); missing or unknown is a form error, not a 500.
    role = ChoiceField(_l("역할"), enum=AttendeeRole)
    gate = StringField(_l("게이트"), filters=[one_line], validators=[Optional(), Length(max=60)])
    # The attendee agrees in person; staff tick the box for them (PIPA: still explicit, never pre-ticked).
    consent = BooleanField(CONSENT_LABEL, default=False)
    submit = SubmitField(_l("현장 등록하고 체크인"))
