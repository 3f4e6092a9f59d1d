"""tariffs: prices per destination prefix, versioned by effective date

Revision ID: 5b7e2c1d9a40
Revises: 78e365fda266
Create Date: 2026-12-01 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b7e2c1d9a40"
down_revision: str | None = "78e365fda266"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tariffs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariffs")),
    )
    op.create_index("uq_tariffs_account_id", "tariffs", ["account_id"], unique=True)
    op.create_table(
        "tariff_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tariff_id", sa.Uuid(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["tariff_id"],
            ["tariffs.id"],
            name=op.f("fk_tariff_versions_tariff_id_tariffs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff_versions")),
        sa.UniqueConstraint(
            "tariff_id",
            "effective_from",
            name=op.f("uq_tariff_versions_tariff_id_effective_from"),
        ),
    )
    op.create_table(
        "tariff_prices",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("prefix", sa.String(length=15), nullable=False),
        sa.Column("price_per_part", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "length(prefix) BETWEEN 1 AND 15", name=op.f("ck_tariff_prices_prefix_length")
        ),
        sa.CheckConstraint("price_per_part >= 0", name=op.f("ck_tariff_prices_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["tariff_versions.id"],
            name=op.f("fk_tariff_prices_version_id_tariff_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "prefix", name=op.f("pk_tariff_prices")),
    )


def downgrade() -> None:
    op.drop_table("tariff_prices")
    op.drop_table("tariff_versions")
    op.drop_index("uq_tariffs_account_id", table_name="tariffs")
    op.drop_table("tariffs")
