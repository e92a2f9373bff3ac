"""offline uploads: scan_logs.local_result, uploaded_at and conflict_with_id (issue 14)

Revision ID: c4d9e2f1a8b3
Revises: f57eee99e047
Create Date: 2026-12-06 21:10:00

"""

from alembic import op
import sqlalchemy as sa


revision = "c4d9e2f1a8b3"
down_revision = "f57eee99e047"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("scan_logs") as batch_op:
        batch_op.add_column(sa.Column("local_result", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("uploaded_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("conflict_with_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_scan_logs_conflict_with_id_scan_logs"),
            "scan_logs",
            ["conflict_with_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_scan_logs_conflict_with_id"), ["conflict_with_id"], unique=False)


def downgrade():
    with op.batch_alter_table("scan_logs") as batch_op:
        batch_op.drop_index(batch_op.f("ix_scan_logs_conflict_with_id"))
        batch_op.drop_constraint(batch_op.f("fk_scan_logs_conflict_with_id_scan_logs"), type_="foreignkey")
        batch_op.drop_column("conflict_with_id")
        batch_op.drop_column("uploaded_at")
        batch_op.drop_column("local_result")
