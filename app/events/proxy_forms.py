"""The form to hand a company's council vote to another member company (의결권 위임)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.validators import InputRequired


def _company_id_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class GiveProxyForm(FlaskForm):
    # Choices are the host cluster's council members; the service checks the value again.
    to_company = SelectField(
        _l("위임받을 회원사"),
        coerce=_company_id_or_none,
        validate_choice=False,
        validators=[InputRequired(message=_l("위임받을 회원사를 선택해 주세요."))],
    )
    confirm = BooleanField(
        _l("위임 내용을 확인했습니다"), validators=[InputRequired(message=_l("위임 내용을 확인했다고 표시해 주세요."))]
    )
    submit = SubmitField(_l("의결권 위임"))
