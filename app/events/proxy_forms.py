"""The form to hand a company's council vote to another member company (의결권 위임)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField
from wtforms.validators import InputRequired

from app.forms import ChoiceField, Form
from app.routing import db_id


class GiveProxyForm(Form):
    # Choices are the host cluster's council members; the service checks the value again.
    to_company = ChoiceField(
        _l("위임받을 회원사"),
        coerce=db_id,
        validate_choice=False,
        validators=[InputRequired(message=_l("위임받을 회원사를 선택해 주세요."))],
        unknown_message=_l("위임받을 회원사를 선택해 주세요."),
    )
    confirm = BooleanField(
        _l("위임 내용을 확인했습니다"), validators=[InputRequired(message=_l("위임 내용을 확인했다고 표시해 주세요."))]
    )
    submit = SubmitField(_l("의결권 위임"))
