"""calendar feed tokens (personal and company, stored hashed); registrations.updated_at for feed ETags

Revision ID: c3e5a7b9d1f4
Revises: b2d4f6a81c32
Create Date: 2026-11-28 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e5a7b9d1f4'
down_revision = 'b2d4f6a81c32'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('personal', 'company', name='calendar_token_kind', native_enum=False, length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('feed_etag', sa.String(length=64), nullable=True),
    sa.Column('feed_changed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("(kind = 'personal' AND user_id IS NOT NULL AND company_id IS NULL) OR (kind = 'company' AND company_id IS NOT NULL AND user_id IS NULL)", name=op.f('ck_calendar_tokens_owner_matches_kind')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_calendar_tokens_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_tokens_token_hash'))
    )
    with op.batch_alter_table('calendar_tokens', schema=None) as batch_op:
        # Partial: revoked tokens stay as a record and do not block a new one.
        batch_op.create_index('uq_calendar_tokens_company_active', ['company_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.create_index('uq_calendar_tokens_user_active', ['user_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    # SQLite cannot ADD COLUMN with a CURRENT_TIMESTAMP default: add it nullable, fill existing
    # rows with their last known change (UTC, like every timestamp here), then make it NOT NULL.
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE registrations SET updated_at = created_at")
    op.execute("UPDATE registrations SET updated_at = promoted_at WHERE promoted_at IS NOT NULL AND promoted_at > updated_at")
    op.execute("UPDATE registrations SET updated_at = cancelled_at WHERE cancelled_at IS NOT NULL AND cancelled_at > updated_at")
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False, server_default=sa.text('CURRENT_TIMESTAMP'))


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('updated_at')

    with op.batch_alter_table('calendar_tokens', schema=None) as batch_op:
        batch_op.drop_index('uq_calendar_tokens_user_active', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index('uq_calendar_tokens_company_active', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.drop_table('calendar_tokens')
