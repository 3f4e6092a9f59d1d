"""campaigns

Revision ID: d97980eaade7
Revises: 738319591b3f
Create Date: 2026-12-02 00:59:43.376935
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d97980eaade7"
down_revision: str | None = "738319591b3f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Campaigns (campaigns/): the draft and its state, the audience chunks stored (so a
    # redelivered chunk is skipped) and each recipient, released into a batch at most once.
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=True),
        sa.Column("sender", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("trial", sa.Boolean(), nullable=False),
        sa.Column("audience_complete", sa.Boolean(), nullable=False),
        sa.Column("chunks_received", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index(
        "ix_campaigns_account_id_created_at_id",
        "campaigns",
        ["account_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_campaigns_state_active",
        "campaigns",
        ["state"],
        unique=False,
        postgresql_where=sa.text("state IN ('scheduled', 'sending')"),
        sqlite_where=sa.text("state IN ('scheduled', 'sending')"),
    )
    op.create_table(
        "campaign_chunks",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("chunk_no", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_chunks_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "chunk_no", name=op.f("pk_campaign_chunks")),
    )
    op.create_table(
        "campaign_recipients",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("chunk_no", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("refusal", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_recipients_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "chunk_no", "position", name=op.f("pk_campaign_recipients")
        ),
    )
    op.create_index(
        "ix_campaign_recipients_message_id", "campaign_recipients", ["message_id"], unique=False
    )
    op.create_index(
        "ix_campaign_recipients_pending",
        "campaign_recipients",
        ["campaign_id", "chunk_no", "position"],
        unique=False,
        postgresql_where=sa.text("state = 'pending'"),
        sqlite_where=sa.text("state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_campaign_recipients_pending", table_name="campaign_recipients")
    op.drop_index("ix_campaign_recipients_message_id", table_name="campaign_recipients")
    op.drop_table("campaign_recipients")
    op.drop_table("campaign_chunks")
    op.drop_index("ix_campaigns_state_active", table_name="campaigns")
    op.drop_index("ix_campaigns_account_id_created_at_id", table_name="campaigns")
    op.drop_table("campaigns")
