"""account states for retention

Revision ID: 37ca1731995c
Revises: 9a1c2e3b4d5f
Create Date: 2026-12-02 00:59:19.906942
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "37ca1731995c"
down_revision: str | None = "9a1c2e3b4d5f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # auth's account.state_changed, projected: a closure starts the retention clock.
    op.create_table(
        "account_states",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_states")),
    )
    op.create_index("ix_account_states_state_changed_at", "account_states", ["state", "changed_at"])


def downgrade() -> None:
    op.drop_index("ix_account_states_state_changed_at", table_name="account_states")
    op.drop_table("account_states")
