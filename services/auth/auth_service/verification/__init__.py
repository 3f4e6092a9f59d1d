"""Sign-up verification (issue 7): the one-time link that proves the registering e-mail,
and the trial an account starts on under sign-up policy `verified`."""
