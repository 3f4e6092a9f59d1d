"""The activity log (issue 7, item 8): every request the gateway passed towards a service
for the account, with who, from where, the path (never its query) and the answer. Fed by
the gateway over `gateway.activity`; kept AUTH_ACTIVITY_RETENTION_DAYS (a month at most).
"""
