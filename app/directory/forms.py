"""Directory forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.forms import ChoiceField, Form, strip
from app.routing import db_id


class CompanyForm(Form):
    name = StringField(
        _l("기업명"), filters=[strip], validators=[DataRequired(_l("기업명을 입력해 주세요.")), Length(max=200)]
    )
    name_en = StringField(_l("영문 기업명 (선택)"), filters=[strip], validators=[Optional(), Length(max=200)])
    cluster_id = ChoiceField(_l("소속 클러스터"), coerce=db_id)
    brn = StringField(_l("사업자등록번호"), filters=[strip], validators=[Optional(), Length(max=20)])
    industry = StringField(_l("업종"), filters=[strip], validators=[Optional(), Length(max=120)])
    website = URLField(_l("홈페이지 (선택)"), filters=[strip], validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("소개 (선택)"), validators=[Optional(), Length(max=5000)])
    contact_name = StringField(_l("담당자명"), filters=[strip], validators=[Optional(), Length(max=100)])
    contact_email = EmailField(
        _l("담당자 이메일"),
        filters=[strip],
        validators=[
            Optional(),
            Email(_l("이메일 주소 형식이 올바르지 않습니다."), check_deliverability=False),
            Length(max=254),
        ],
    )
    contact_mobile = StringField(_l("담당자 휴대전화"), filters=[strip], validators=[Optional(), Length(max=20)])
    is_council_member = BooleanField(_l("입주기업협의회 회원사"))
    council_joined_on = DateField(_l("협의회 가입일"), validators=[Optional()])
    submit = SubmitField(_l("저장"))
