"""The SMPP connector: a process of its own, so HTTP intake can never starve the sender."""
