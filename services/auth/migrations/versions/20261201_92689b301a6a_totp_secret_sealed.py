"""totp secret sealed: room for a Fernet token

Revision ID: 92689b301a6a
Revises: a61288fe3f1e
Create Date: 2026-12-01 11:31:20.796354
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "92689b301a6a"
down_revision: str | None = "a61288fe3f1e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Secrets already stored stay plain until their next use seals them.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.VARCHAR(length=64),
            type_=sa.String(length=255),
            existing_nullable=True,
        )


def downgrade() -> None:
    # A sealed secret does not fit back, and quietly dropping a user's second factor is no
    # way to go back a version: refuse instead.
    sealed = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM users WHERE length(totp_secret) > 64")
    )
    if sealed:
        raise RuntimeError(f"{sealed} users have sealed TOTP secrets; cannot downgrade")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=255),
            type_=sa.VARCHAR(length=64),
            existing_nullable=True,
        )
