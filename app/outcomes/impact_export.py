"""The impact report as a workbook: every figure of the page, the ties behind the picture, and the outcomes."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.exports import Sheet, workbook_bytes
from app.extensions import db
from app.i18n import to_kst
from app.models import Attribution, Company
from app.outcomes.impact import PIPELINE_LABELS, TIME_BUCKET_LABELS, ImpactReport


def _summary(report: ImpactReport) -> list[list]:
    r = report
    rows: list[list] = [[str(PIPELINE_LABELS[s.key]), s.companies, None] for s in r.pipeline]
    rows += [
        [_("수주·계약 금액 (상대 확인, 원)"), r.amount_confirmed, None],
        [_("수주·계약 금액 (한쪽 보고, 원)"), r.amount_one_sided, None],
        [_("기업"), r.figures.companies, r.previous.companies],
        [_("연결 (기업 쌍)"), r.figures.ties, r.previous.ties],
        [_("밀도"), r.figures.density, r.previous.density],
        [_("클러스터 간 연결 비율"), r.figures.cross_cluster_share, r.previous.cross_cluster_share],
        [_("새 연결"), r.figures.new_ties, None],
        [_("두 번 이상 만난 쌍"), r.figures.repeat_pairs, r.previous.repeat_pairs],
    ]
    t = r.time_to_outcome
    if t is not None:
        rows += [
            [_("성과까지 걸린 기간: 성과 수"), t.count, None],
            [_("성과까지 걸린 기간: 중앙값 (일)"), t.median_days, None],
            [_("성과까지 걸린 기간: 최단 (일)"), t.min_days, None],
            [_("성과까지 걸린 기간: 최장 (일)"), t.max_days, None],
        ]
        rows += [
            [_("성과까지 걸린 기간: %(bucket)s", bucket=label), t.buckets[key], None]
            for key, label in TIME_BUCKET_LABELS.items()
        ]
    a = r.attributions
    if a is not None:
        for choice in Attribution:
            rows.append([_("응답: %(choice)s", choice=choice.label), a.answers.get(choice, 0), None])
        for choice in Attribution:
            rows.append([_("성과: %(choice)s", choice=choice.label), a.outcomes.get(choice, 0), None])
    return rows


def impact_workbook(report: ImpactReport) -> bytes:
    r = report
    cluster_names = {c.id: c.name for c in r.clusters}
    pair_ids = {c for pair in r.figures.pairs for c in pair}
    companies = (
        {c.id: c for c in db.session.scalars(select(Company).where(Company.id.in_(pair_ids)))} if pair_ids else {}
    )

    def company(cid: int) -> tuple[str, str]:
        c = companies.get(cid)
        return (c.name, cluster_names.get(c.cluster_id, "")) if c else (str(cid), "")

    sheets = [
        Sheet(_("요약"), [_("항목"), _("이번 기간"), _("이전 기간")], _summary(r), (40, 18, 18)),
        Sheet(
            _("행사별"),
            [
                _("행사"),
                _("시작"),
                _("참석"),
                _("만남"),
                _("응답"),
                _("협약 이상"),
                _("계약·과제"),
                _("금액 (확인, 원)"),
            ],
            [
                [
                    row.event.title,
                    to_kst(row.event.starts_at).replace(tzinfo=None),
                    row.attended,
                    row.met,
                    row.followed_up,
                    row.agreement,
                    row.business,
                    row.amount_confirmed,
                ]
                for row in r.by_event
            ],
            (40, 18, 8, 8, 8, 10, 10, 18),
            datetime_columns=("B",),
            autofilter=True,
        ),
        Sheet(
            _("연결"),
            [_("기업 A"), _("클러스터 A"), _("기업 B"), _("클러스터 B"), _("가중치")],
            [[*company(a), *company(b), weight] for (a, b), weight in sorted(r.figures.pairs.items())],
            (30, 16, 30, 16, 8),
            autofilter=True,
        ),
        Sheet(
            _("매개 기업"),
            [_("기업"), _("매개 중심성"), _("연결")],
            [[c.name, b.betweenness, b.ties] for c, b in r.brokers],
            (30, 14, 8),
        ),
        Sheet(
            _("성과"),
            [
                _("성과"),
                _("단계"),
                _("날짜"),
                _("금액 (원)"),
                _("상대 확인"),
                _("기업"),
                _("행사"),
                _("기여"),
                _("걸린 기간 (일)"),
            ],
            [
                [
                    s.outcome.title,
                    s.outcome.stage.label,
                    s.outcome.occurred_on,
                    s.outcome.amount_won,
                    _("예") if s.outcome.confirmed else _("아니요"),
                    ", ".join(c.name for c in s.companies),
                    " · ".join(e.title for e in s.events),
                    s.outcome.attribution.label if s.outcome.attribution else "",
                    s.days_to_outcome,
                ]
                for s in r.stories
            ],
            (36, 16, 12, 18, 10, 40, 40, 24, 12),
            autofilter=True,
        ),
    ]
    if r.cluster is None:
        sheets.append(
            Sheet(
                _("클러스터 사이"),
                ["", *[c.name for c in r.clusters]],
                [
                    [a.name, *[r.matrix.get((min(a.id, b.id), max(a.id, b.id)), 0) for b in r.clusters]]
                    for a in r.clusters
                ],
                (18, *[14] * len(r.clusters)),
            )
        )
    return workbook_bytes(sheets)
