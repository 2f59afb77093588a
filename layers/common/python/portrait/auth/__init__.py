"""Pure authentication logic: password hashing and token cryptography. No AWS."""
