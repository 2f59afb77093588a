"""Accounts: registration, sessions (login, token rotation, logout), profiles
and credits."""
