"""Data-subject rights (R17, issue 11 item 5): dlr's part of a privacy export, the delivery
receipts of a number's messages and the SMS that number sent to the account."""
