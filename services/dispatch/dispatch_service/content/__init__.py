"""The content policy (R9): operators' keyword and regular-expression rules per category,
checked on every text before intake accepts it; hits recorded for operators, and an account
with too many in a day suspended from sending pending their review."""
