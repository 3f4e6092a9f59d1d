"""docs/privacy.md's retention section is the policy table the retention jobs read: a period
changed in one and not the other fails here (regenerate with
`python -m shared.retention --markdown`)."""

from dataclasses import replace
from pathlib import Path

import pytest

from shared import retention
from shared.retention import DataKind


def test_the_doc_shows_the_policy_table_exactly() -> None:
    document = retention.DOC.read_text(encoding="utf-8")
    assert retention.render(document) == document


def test_a_changed_period_makes_the_doc_drift(monkeypatch: pytest.MonkeyPatch) -> None:
    document = retention.DOC.read_text(encoding="utf-8")
    changed = tuple(
        replace(item, period=item.period * 2) if item.kind is DataKind.CONTACTS else item
        for item in retention.POLICY
    )
    monkeypatch.setattr(retention, "POLICY", changed)
    assert retention.render(document) != document


def test_the_issue_periods_are_the_policy() -> None:
    days = {item.kind: item.days for item in retention.POLICY}
    assert days == {
        DataKind.IMPORT_FILES: 60,
        DataKind.CONTACTS: 60,
        DataKind.MESSAGE_TEXTS: 60,
        DataKind.MESSAGES: 120,
        DataKind.CAMPAIGN_TEXTS: 60,
        DataKind.CAMPAIGNS: 120,
        DataKind.INBOUND_TEXTS: 60,
        DataKind.INBOUND_MESSAGES: 120,
        DataKind.RECEIPT_TEXTS: 60,
        DataKind.RECEIPTS: 120,
        DataKind.UNMATCHED_RECEIPTS: 30,
        DataKind.WEBHOOK_ATTEMPTS: 30,
        DataKind.ACTIVITY_LOG: 30,
        DataKind.AUDIT_LOG: 730,
        DataKind.INACTIVE_ACCOUNTS: 3 * 365,
        DataKind.ACCEPTED_MESSAGES: 120,
        DataKind.REFUND_BANK_DETAILS: 400,
        DataKind.CONCAT_REFERENCES: 7,
    }


def test_markdown_rewrites_only_the_table_section(tmp_path: Path) -> None:
    doc = tmp_path / "privacy.md"
    doc.write_text(f"intro\n{retention.BEGIN}\nstale\n{retention.END}\noutro\n", encoding="utf-8")
    assert retention.main(["--markdown", "--doc", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("intro\n")
    assert text.endswith(f"{retention.END}\noutro\n")
    assert "stale" not in text
    assert "| 2 years | since created | delete |" in text
