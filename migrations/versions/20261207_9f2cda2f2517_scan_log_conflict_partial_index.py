"""scan_logs.conflict_with_id: a partial index (WHERE conflict_with_id IS NOT NULL)

The column is NULL in nearly every scan log, so a plain index cost each door insert an index
entry it never needed; equality lookups and the ON DELETE SET NULL self-reference still use it.

Revision ID: 9f2cda2f2517
Revises: c4d9e2f1a8b3
Create Date: 2026-12-07 15:00:00

"""

from alembic import op
import sqlalchemy as sa


revision = "9f2cda2f2517"
down_revision = "c4d9e2f1a8b3"
branch_labels = None
depends_on = None

NOT_NULL = "conflict_with_id IS NOT NULL"


def upgrade():
    op.drop_index("ix_scan_logs_conflict_with_id", table_name="scan_logs")
    op.create_index(
        "ix_scan_logs_conflict_with_id",
        "scan_logs",
        ["conflict_with_id"],
        unique=False,
        sqlite_where=sa.text(NOT_NULL),
        postgresql_where=sa.text(NOT_NULL),
    )


def downgrade():
    op.drop_index("ix_scan_logs_conflict_with_id", table_name="scan_logs")
    op.create_index("ix_scan_logs_conflict_with_id", "scan_logs", ["conflict_with_id"], unique=False)
