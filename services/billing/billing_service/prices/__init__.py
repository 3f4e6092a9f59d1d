"""What a message to a destination costs an account: asked by dispatch's quotes."""
