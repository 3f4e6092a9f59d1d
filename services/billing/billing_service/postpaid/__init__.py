"""Postpaid accounts (issue 10 item 6): operators let an account's balance go below zero
down to a credit limit; its invoices unpaid past their due date suspend its sending (auth
enforces, from `billing.payment_overdue`) until they are paid."""
