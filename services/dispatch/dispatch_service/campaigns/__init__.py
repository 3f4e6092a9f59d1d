"""Campaigns (issue 11 item 4): one text to the consented members of contact groups."""
