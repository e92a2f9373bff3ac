"""door check-in: hashed ticket codes, badge print marks, check-out, scan log, door devices

Existing registrations lose their plain ticket_code (never shown to anyone) and get a
code on first use (app.events.tickets.ensure_tickets): the migration cannot compute codes,
which need the server's ticket key.

Revision ID: d4f6b8c0e2a5
Revises: c3e5a7b9d1f4
Create Date: 2026-11-28 20:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f6b8c0e2a5'
down_revision = 'c3e5a7b9d1f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('door_devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('gate', sa.String(length=60), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_door_devices_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_door_devices_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_door_devices')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_door_devices_token_hash'))
    )
    with op.batch_alter_table('door_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_door_devices_event_id'), ['event_id'], unique=False)

    op.create_table('scan_logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('scanned_at', sa.DateTime(), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('result', sa.String(length=32), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('gate', sa.String(length=60), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('nonce', sa.String(length=64), nullable=True),
    sa.Column('other_event_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['door_devices.id'], name=op.f('fk_scan_logs_device_id_door_devices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_scan_logs_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_event_id'], ['events.id'], name=op.f('fk_scan_logs_other_event_id_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_scan_logs_registration_id_registrations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_scan_logs_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_logs')),
    sa.UniqueConstraint('event_id', 'nonce', name='uq_scan_logs_event_nonce')
    )
    with op.batch_alter_table('scan_logs', schema=None) as batch_op:
        batch_op.create_index('ix_scan_logs_event_scanned_at', ['event_id', 'scanned_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scan_logs_registration_id'), ['registration_id'], unique=False)

    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('gate', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('checked_out_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('checked_out_gate', sa.String(length=60), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_checkins_nonce'), type_='unique')
        batch_op.create_foreign_key(batch_op.f('fk_checkins_device_id_door_devices'), 'door_devices', ['device_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_column('nonce')

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_salt', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('ticket_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('badge_printed_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_registrations_ticket_code'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_registrations_ticket_hash'), ['ticket_hash'])
        batch_op.drop_column('ticket_code')



def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_code', sa.VARCHAR(length=64), nullable=True))
    # The old scheme kept plain codes; hashed ones cannot be turned back, so each row gets a
    # placeholder that no badge carries (staff reissue badges after a downgrade).
    op.execute("UPDATE registrations SET ticket_code = 'downgraded-' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.alter_column('ticket_code', existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_registrations_ticket_hash'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_registrations_ticket_code'), ['ticket_code'])
        batch_op.drop_column('badge_printed_at')
        batch_op.drop_column('ticket_hash')
        batch_op.drop_column('ticket_salt')

    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nonce', sa.VARCHAR(length=64), nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_checkins_device_id_door_devices'), type_='foreignkey')
        batch_op.create_unique_constraint(batch_op.f('uq_checkins_nonce'), ['nonce'])
        batch_op.drop_column('checked_out_gate')
        batch_op.drop_column('checked_out_at')
        batch_op.drop_column('gate')
        batch_op.drop_column('device_id')

    with op.batch_alter_table('scan_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_logs_registration_id'))
        batch_op.drop_index('ix_scan_logs_event_scanned_at')

    op.drop_table('scan_logs')
    with op.batch_alter_table('door_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_door_devices_event_id'))

    op.drop_table('door_devices')
