"""council proxies (의결권 위임): one active proxy per meeting and giving company

Revision ID: b2d4f6a81c32
Revises: a1c3e5f70b21
Create Date: 2026-11-28 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2d4f6a81c32'
down_revision = 'a1c3e5f70b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('council_proxies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('from_company_id', sa.Integer(), nullable=False),
    sa.Column('to_company_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('from_company_id <> to_company_id', name=op.f('ck_council_proxies_not_to_self')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_council_proxies_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_council_proxies_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_company_id'], ['companies.id'], name=op.f('fk_council_proxies_from_company_id_companies')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_council_proxies_revoked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_company_id'], ['companies.id'], name=op.f('fk_council_proxies_to_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_proxies'))
    )
    with op.batch_alter_table('council_proxies', schema=None) as batch_op:
        batch_op.create_index('ix_council_proxies_event_to', ['event_id', 'to_company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_proxies_from_company_id'), ['from_company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_proxies_to_company_id'), ['to_company_id'], unique=False)
        # Partial: revoked proxies stay as a record and do not block a new one.
        batch_op.create_index('uq_council_proxies_event_from_active', ['event_id', 'from_company_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))


def downgrade():
    with op.batch_alter_table('council_proxies', schema=None) as batch_op:
        batch_op.drop_index('uq_council_proxies_event_from_active', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_council_proxies_to_company_id'))
        batch_op.drop_index(batch_op.f('ix_council_proxies_from_company_id'))
        batch_op.drop_index('ix_council_proxies_event_to')

    op.drop_table('council_proxies')
