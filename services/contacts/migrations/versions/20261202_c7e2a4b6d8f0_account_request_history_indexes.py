"""the account's imports and privacy exports listed newest first

Revision ID: c7e2a4b6d8f0
Revises: b4d1f0a9c6e2
Create Date: 2026-12-02 09:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c7e2a4b6d8f0"
down_revision: str | None = "b4d1f0a9c6e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The lists page by (created_at, id) within an account (contacts_service/pages.py).
    op.create_index(
        "ix_contact_imports_account_created", "contact_imports", ["account_id", "created_at", "id"]
    )
    op.create_index(
        "ix_privacy_exports_account_created", "privacy_exports", ["account_id", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_privacy_exports_account_created", table_name="privacy_exports")
    op.drop_index("ix_contact_imports_account_created", table_name="contact_imports")
