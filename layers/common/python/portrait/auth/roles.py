"""Account roles. An access token carries one in its `role` claim."""
USER = "user"
ADMIN = "admin"
ROLES = (USER, ADMIN)
