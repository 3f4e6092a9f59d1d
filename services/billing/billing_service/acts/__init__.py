"""Monthly acts (closing documents): the services rendered to each account in a month."""
