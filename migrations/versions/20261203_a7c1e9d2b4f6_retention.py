"""retention purge: when a registration's personal data was destroyed; when an account was deactivated and purged

Revision ID: a7c1e9d2b4f6
Revises: fe91b6e63073
Create Date: 2026-12-03 07:20:00

"""

from alembic import op
import sqlalchemy as sa


revision = "a7c1e9d2b4f6"
down_revision = "fe91b6e63073"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registrations") as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(), nullable=True))
    # Accounts already inactive: count their retention from now (the moment is not known).
    op.execute(sa.text("UPDATE users SET deactivated_at = CURRENT_TIMESTAMP WHERE is_active = false"))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("purged_at")
        batch_op.drop_column("deactivated_at")
    with op.batch_alter_table("registrations") as batch_op:
        batch_op.drop_column("purged_at")
