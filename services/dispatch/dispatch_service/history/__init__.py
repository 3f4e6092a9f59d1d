"""Every status a message part has had, with when, why and over which SMSC link."""
