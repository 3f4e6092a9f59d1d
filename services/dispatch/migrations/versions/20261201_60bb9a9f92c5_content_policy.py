"""content policy: rules with the shipped defaults, hits, suspensions, reviews

Revision ID: 60bb9a9f92c5
Revises: edae49218201
Create Date: 2026-12-01 10:39:37.872015
"""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "60bb9a9f92c5"
down_revision: str | None = "edae49218201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rules the platform ships with. Loaded here, once, rather than on every start when
# the table is empty: an operator who deleted them all meant it.
DEFAULTS = Path(__file__).resolve().parents[2] / "dispatch_service" / "content" / "defaults.json"


def upgrade() -> None:
    op.create_table(
        "content_hits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_hits")),
    )
    with op.batch_alter_table("content_hits", schema=None) as batch_op:
        batch_op.create_index("ix_content_hits_account_id_at", ["account_id", "at"], unique=False)

    rules = op.create_table(
        "content_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("pattern", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_rules")),
    )
    op.create_table(
        "content_suspensions",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("tripped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account_id", "day", name=op.f("pk_content_suspensions")),
    )
    op.create_table(
        "content_reviews",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("domains", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_content_reviews")),
    )
    with op.batch_alter_table("content_reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_content_reviews_pending",
            ["created_at"],
            unique=False,
            postgresql_where=sa.text("decided_at IS NULL"),
            sqlite_where=sa.text("decided_at IS NULL"),
        )

    now = datetime.now(UTC)
    defaults = json.loads(DEFAULTS.read_text(encoding="utf-8"))["rules"]
    op.bulk_insert(
        rules,
        [
            {
                "id": uuid.uuid4(),
                "category": rule["category"],
                "kind": rule["kind"],
                "pattern": rule["pattern"],
                "action": rule.get("action", "block"),
                "enabled": True,
                "created_at": now,
                "updated_at": now,
            }
            for rule in defaults
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("content_reviews", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_content_reviews_pending",
            postgresql_where=sa.text("decided_at IS NULL"),
            sqlite_where=sa.text("decided_at IS NULL"),
        )
    op.drop_table("content_reviews")
    op.drop_table("content_suspensions")
    op.drop_table("content_rules")
    with op.batch_alter_table("content_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_content_hits_account_id_at")
    op.drop_table("content_hits")
