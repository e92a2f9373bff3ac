"""follow-up links: the random salt a follow-up's link token is derived from (so a reminder repeats the link)

Revision ID: d8aced039bf1
Revises: b8d2f0e3c5a7
Create Date: 2026-12-03 14:30:00

"""

from alembic import op
import sqlalchemy as sa


revision = "d8aced039bf1"
down_revision = "b8d2f0e3c5a7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("follow_ups") as batch_op:
        batch_op.add_column(sa.Column("link_salt", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("follow_ups") as batch_op:
        batch_op.drop_column("link_salt")
