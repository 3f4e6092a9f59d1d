"""Message templates: stored texts with `{{placeholders}}`, rendered at send time."""
