"""dlr: matches delivery receipts to submitted message parts and takes in mobile-originated SMS."""
