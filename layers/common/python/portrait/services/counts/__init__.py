"""The counts operators ask for (seeds 000 and 001): avatars by state, users and those
without an avatar, generations by state, and storage by prefix.

None of them is a scan per request. The record counts move with the tables' streams
(stream.py: each record's change of figures, tally.py, applied once per record); the
storage totals are listed on a schedule and kept with their time (storage.py); a backfill
(backfill.py) seeds the record counts from one scan for a deployment that has data.
reading.py answers the admin routes and /health from what is stored.
"""
