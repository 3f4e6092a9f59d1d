"""Recipients' opt-outs (R11): marketing messages to a number that opted out of the
account's marketing are refused; transactional ones are not."""
