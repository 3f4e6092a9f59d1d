"""Answering HELP (R11): a handset that texts a help keyword to an account's number gets
the account's help text back, as a transactional message charged like any other."""
