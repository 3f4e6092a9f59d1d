"""auth's outgoing mail: verification links and invitations.

A mail is queued in the transaction of what caused it (a registration, an invitation), so
it exists exactly when that does, and sent by a periodic job after the commit: a request
never waits on an SMTP server, and a crash between commit and send only delays the mail.
Once sent, the body (which carries one-time tokens) is erased; the row stays a while as
the record that it went out.
"""
