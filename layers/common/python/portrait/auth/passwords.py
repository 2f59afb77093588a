"""Password policy and argon2id hashing. Pure: no AWS, no settings lookups."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

# argon2 is imported when a hasher is made (the first login or registration), not here:
# most of the API's requests never hash a password.

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


def password_policy_violation(password: str, *, username: str, email: str) -> str | None:
    """Why `password` is not acceptable for this account, or None when it is."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return f"password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
    lowered = password.casefold()
    if lowered in (username.casefold(), email.casefold()):
        return "password must not be the username or the email"
    return None


@dataclass
class Passwords:
    """argon2id hashing with fixed costs, plus a dummy hash for unknown accounts."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4
    _hasher: PasswordHasher = field(init=False, repr=False)
    _dummy_hash: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        from argon2 import PasswordHasher, Type

        self._hasher = PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            type=Type.ID,
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        from argon2.exceptions import InvalidHashError

        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def burn_verify(self, password: str) -> bool:
        """Spend what a real verification costs and fail.

        Login calls this when no account matches, so an unknown login answers as
        slowly as a wrong password and accounts cannot be enumerated by timing.
        The dummy hash is made lazily (once) so cold starts do not pay for it.
        """
        if self._dummy_hash is None:
            self._dummy_hash = self.hash(secrets.token_urlsafe(16))
        self.verify(self._dummy_hash, password)
        return False
