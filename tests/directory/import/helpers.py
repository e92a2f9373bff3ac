"""Builders for the import tests: real .xlsx/.csv files made in memory, and database snapshots."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.models import Company, CompanyImport

HEADER = ["기업명", "사업자등록번호", "업종", "담당자명", "담당자 이메일", "휴대전화", "협의회 회원 (Y/N)"]


def build_xlsx(rows, header=HEADER, sheet_title="기업 목록") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    if header is not None:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def build_csv(rows, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    if header is not None:
        writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def bad_check_digit(brn: str) -> str:
    return brn[:9] + str((int(brn[9]) + 1) % 10)


def company_rows() -> list[tuple]:
    """Every column of every company, ordered by id: to prove that nothing changed."""
    db.session.rollback()
    table = Company.__table__
    return [tuple(r) for r in db.session.execute(select(table).order_by(table.c.id)).all()]


def companies_named(*names) -> list[Company]:
    db.session.rollback()
    return list(db.session.scalars(select(Company).where(Company.name.in_(names)).order_by(Company.id)))


def imports() -> list[CompanyImport]:
    db.session.rollback()
    return list(db.session.scalars(select(CompanyImport).order_by(CompanyImport.id)))


def plan_file(content: bytes, filename: str, cluster, user):
    """Parse and plan a file the way the preview page does."""
    from app.directory import importer

    return importer.plan(importer.parse(content, filename).rows, cluster, user)


def by_line(import_plan) -> dict:
    return {row.line: row for row in import_plan.rows}


def upload(client, content: bytes, filename: str, cluster_id: int, follow: bool = False):
    """POST the upload form with a real file and the page's CSRF token."""
    from tests.helpers import post_form

    return post_form(
        client,
        "/directory/import",
        {"cluster_id": str(cluster_id), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        follow_redirects=follow,
    )
