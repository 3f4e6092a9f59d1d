"""The audit log (issue 7, item 8): who did what to which object, when and from where.

A record is written on the session of the action it records, so it commits and rolls back
with it. It holds names and ids only: never a password, token, key secret, code or the
values of changed fields.
"""
