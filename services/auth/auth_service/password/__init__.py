"""A person changing their own password: the current one first, and every other session
of theirs ends, since whoever else was logged in as them may be why it changes."""
