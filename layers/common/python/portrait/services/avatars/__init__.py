"""Avatars: upload forms, processing into variants, defaults (identicon or Gravatar),
reading the current one and the history, deleting and restoring."""
