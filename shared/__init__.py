"""What every service needs and no service owns: settings, database, events, outbox, inbox,
token checks, problem+json errors, health and logging."""
