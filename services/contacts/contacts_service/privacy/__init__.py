"""Data-subject rights (R17, issue 11 items 5 and 6): contacts, the personal-data service,
orchestrates a privacy export. It writes its own part, asks dispatch and dlr for theirs over
their internal routes (streamed, JSON lines), and assembles one zip of JSON and CSV that the
account downloads for a while (7 days by default). Billing keeps nothing that names a
recipient (its ledger is per message id), so it has no part."""
