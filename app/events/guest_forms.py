"""Guest forms: registration (with the separate PIPA consent box), detail changes, link resend.

Only lengths are checked here; the registration service gives the Korean reason for every
business rule (BRN check digit, e-mail and mobile format, consent), so messages are the same
whichever way a guest registers.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.events.consent import CONSENT_LABEL
from app.forms import Form, strip


class GuestRegistrationForm(Form):
    company_name = StringField(_l("소속 기업명"), filters=[strip], validators=[Optional(), Length(max=200)])
    brn = StringField(_l("사업자등록번호"), filters=[strip], validators=[Optional(), Length(max=20)])
    name = StringField(_l("이름"), filters=[strip], validators=[Optional(), Length(max=100)])
    email = StringField(_l("이메일"), filters=[strip], validators=[Optional(), Length(max=254)])
    mobile = StringField(_l("휴대전화"), filters=[strip], validators=[Optional(), Length(max=20)])
    job_title = StringField(_l("직함 (선택)"), filters=[strip], validators=[Optional(), Length(max=100)])
    # Separate, explicit and never pre-checked (PIPA): see app/events/consent.py for the text.
    consent = BooleanField(CONSENT_LABEL, default=False)
    submit = SubmitField(_l("외부 기업으로 참가 신청"))


class GuestDetailsForm(Form):
    name = StringField(_l("이름"), filters=[strip], validators=[Optional(), Length(max=100)])
    email = StringField(_l("이메일"), filters=[strip], validators=[Optional(), Length(max=254)])
    mobile = StringField(_l("휴대전화"), filters=[strip], validators=[Optional(), Length(max=20)])
    job_title = StringField(_l("직함 (선택)"), filters=[strip], validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("변경 내용 저장"))


class ResendLinkForm(Form):
    email = EmailField(
        _l("신청한 이메일"),
        filters=[strip],
        validators=[
            DataRequired(_l("이메일을 입력해 주세요.")),
            Email(_l("이메일 형식이 올바르지 않습니다 (예: name@example.com)."), check_deliverability=False),
            Length(max=254),
        ],
    )
    submit = SubmitField(_l("링크 다시 받기"))
