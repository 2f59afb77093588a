"""One Powertools Router per area of the API; app.py includes them all."""
