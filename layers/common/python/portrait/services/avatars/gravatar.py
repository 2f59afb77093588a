"""Gravatar as a default-avatar source: one short HTTPS request, never a blocker.

d=404 makes Gravatar answer 404 instead of its own generated art when the
address has no Gravatar, so we fall back to our identicon. Any failure
(timeout, DNS, TLS, a 5xx, an oversized reply) is logged and counts as "no
Gravatar": a default avatar must never wait on, or fail because of, a third party.
"""
from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from urllib.parse import urlencode

from portrait.observability import logger

# Looked up at call time, so tests replace it instead of reaching the network.
urlopen = urllib.request.urlopen


def gravatar_url(email: str, *, base_url: str, size: int) -> str:
    # Gravatar accepts SHA-256 of the trimmed, lowercased address (MD5 is legacy).
    digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()
    return f"{base_url.rstrip('/')}/{digest}?{urlencode({'s': size, 'd': '404', 'r': 'g'})}"


def fetch_gravatar(email: str, *, base_url: str, size: int, timeout: float,
                   max_bytes: int) -> bytes | None:
    """The image bytes of the address's Gravatar, or None if there is none (or no answer)."""
    url = gravatar_url(email, base_url=base_url, size=size)
    if not url.startswith("https://"):
        raise ValueError("Gravatar is fetched over https only")
    request = urllib.request.Request(url, headers={"User-Agent": "portrait-default-avatar"})
    try:
        with urlopen(request, timeout=timeout) as reply:  # noqa: S310 - https checked above
            body = reply.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            logger.warning("gravatar answered an error", extra={"status": exc.code})
        return None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        logger.warning("gravatar unreachable", extra={"error": str(exc)})
        return None
    if len(body) > max_bytes:
        logger.warning("gravatar reply too large", extra={"limit": max_bytes})
        return None
    return body
