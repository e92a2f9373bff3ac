"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from app.forms import ChoiceField, Form, strip
from app.routing import db_id
from app.validators import normalize_mobile


class LoginForm(Form):
    email = EmailField(_l("이메일"), validators=[DataRequired(_l("이메일을 입력해 주세요.")), Length(max=254)])
    password = PasswordField(_l("비밀번호"), validators=[DataRequired(_l("비밀번호를 입력해 주세요."))])
    remember = BooleanField(_l("로그인 상태 유지"))
    submit = SubmitField(_l("로그인"))


def _mobile_check(_form, field):
    if field.data:
        try:
            field.data = normalize_mobile(field.data)
        except ValueError:
            raise ValidationError(_l("휴대전화 번호 형식이 올바르지 않습니다 (예: 010-1234-5678).")) from None


class SignupForm(Form):
    name = StringField(_l("이름"), validators=[DataRequired(_l("이름을 입력해 주세요.")), Length(max=100)])
    mobile = StringField(_l("휴대전화 (선택)"), validators=[Optional(), Length(max=20), _mobile_check])
    password = PasswordField(_l("비밀번호"), validators=[DataRequired(_l("비밀번호를 입력해 주세요."))])
    password2 = PasswordField(
        _l("비밀번호 확인"),
        validators=[
            DataRequired(_l("비밀번호를 한 번 더 입력해 주세요.")),
            EqualTo("password", _l("비밀번호가 일치하지 않습니다.")),
        ],
    )
    submit = SubmitField(_l("가입하기"))


class InviteForm(Form):
    email = EmailField(
        _l("초대할 이메일"),
        filters=[strip],
        validators=[
            DataRequired(_l("이메일을 입력해 주세요.")),
            Email(_l("이메일 주소 형식이 올바르지 않습니다."), check_deliverability=False),
            Length(max=254),
        ],
    )
    company_id = ChoiceField(_l("소속 기업"), coerce=db_id)
    submit = SubmitField(_l("초대 메일 보내기"))


class ResetRequestForm(Form):
    email = EmailField(_l("가입한 이메일"), validators=[DataRequired(_l("이메일을 입력해 주세요.")), Length(max=254)])
    submit = SubmitField(_l("재설정 링크 받기"))


class ResetPasswordForm(Form):
    password = PasswordField(_l("새 비밀번호"), validators=[DataRequired(_l("비밀번호를 입력해 주세요."))])
    password2 = PasswordField(
        _l("새 비밀번호 확인"),
        validators=[
            DataRequired(_l("비밀번호를 한 번 더 입력해 주세요.")),
            EqualTo("password", _l("비밀번호가 일치하지 않습니다.")),
        ],
    )
    submit = SubmitField(_l("비밀번호 변경"))
