"""Unsubscribe links (R11; SG 3.5: direct marketing tells the recipient how to opt out).
The account asks for a number's token and puts it in its marketing messages' link; whoever
follows it withdraws that number's marketing consent, without logging in."""
