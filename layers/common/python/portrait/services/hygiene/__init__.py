"""Storage hygiene: the hourly temp-upload sweep, the nightly sweep of soft-deleted
avatars and orphaned objects, and the admin view of temporary uploads."""
