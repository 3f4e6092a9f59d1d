"""Notifications (issue 13 item 4): e-mail to an account's people on what matters to them.

Its own consumer group reads the platform's events and queues a mail per (event, user) in
the inbox's transaction; auth's mail sender sends it after the commit, retrying. A row per
(event, user) in `notifications` makes a replay, even past the inbox's retention, mail
nobody twice. Operators send breach notices (R19) and announcements from here too; a
marketing mail carries a signed unsubscribe link (R20). docs/notifications.md has the table.
"""
