"""Campaign audiences (issue 11 item 4): who of the groups may receive a campaign."""
