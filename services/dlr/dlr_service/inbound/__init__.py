"""Mobile-originated SMS: deliver_sm PDUs that are not receipts."""
