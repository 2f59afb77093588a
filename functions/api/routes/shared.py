"""/s?t={token}: a shared portrait's public page, no sign-in. HTML with Open Graph and
Twitter card tags, so the link unfurls in chat apps as the portrait and its title; a
revoked, replaced or made-up link answers 404 with a page saying so.

The token rides in the query string, not the path: the HTTP API's access log records
paths ($context.path), and a working link must not land in a log."""
from __future__ import annotations

import re
from html import escape

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from portrait.errors import NotFound
from portrait.services.generations import sharing

router = Router()
_TOKEN = re.compile(sharing.TOKEN_PATTERN)
# No script, no other origin but the image's: the page is a picture and its words.
_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex",
            "Content-Security-Policy": "default-src 'none'; img-src https: http: data:; "
                                       "style-src 'unsafe-inline'; frame-ancestors 'none'"}
# web/favicon.svg, inline: the page's origin (the API) serves no /favicon.ico, and a
# browser asks for one on every page without a <link rel="icon">.
_ICON = ("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E"
         "%3Crect width='32' height='32' rx='8' fill='%233346c8'/%3E%3Ccircle cx='16' cy='13' "
         "r='6' fill='%23fff'/%3E%3Cpath d='M6 28c1.5-6 5.5-9 10-9s8.5 3 10 9' fill='%23fff'/%3E"
         "%3C/svg%3E")
_STYLE = ("body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f4f5f7;"
          "font-family:system-ui,sans-serif;color:#1d2430}main{text-align:center;padding:1rem}"
          "img{max-width:min(90vw,640px);height:auto;border-radius:12px;"
          "box-shadow:0 4px 24px #0002}")


@router.get("/s", tags=["generations"], include_in_schema=False)
def shared_page() -> Response[str]:
    token = router.current_event.get_query_string_value("t", "") or ""
    try:
        if not _TOKEN.match(token):
            raise NotFound("no such link", code="share_not_found")
        portrait = sharing.shared_portrait(token)
    except NotFound:
        return Response(status_code=404, content_type="text/html; charset=utf-8", headers=_HEADERS,
                        body=_page("Link not found", "<p>This link does not exist or was "
                                                     "revoked by its owner.</p>", meta=""))
    title, image = escape(portrait.title), escape(portrait.image_url)
    meta = (f'<meta property="og:type" content="website">'
            f'<meta property="og:title" content="{title}">'
            f'<meta property="og:description" content="Made with Portrait">'
            f'<meta property="og:image" content="{image}">'
            f'<meta property="og:image:type" content="image/png">'
            f'<meta property="og:image:width" content="{portrait.width}">'
            f'<meta property="og:image:height" content="{portrait.height}">'
            f'<meta name="twitter:card" content="summary_large_image">'
            f'<meta name="twitter:title" content="{title}">'
            f'<meta name="twitter:image" content="{image}">')
    body = (f'<img src="{image}" alt="{title}" width="{portrait.width}" '
            f'height="{portrait.height}"><p>{title}</p>')
    return Response(status_code=200, content_type="text/html; charset=utf-8", headers=_HEADERS,
                    body=_page(portrait.title, body, meta=meta))


def _page(title: str, body: str, *, meta: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{escape(title)}</title>{meta}'
            f'<link rel="icon" type="image/svg+xml" href="{_ICON}">'
            f'<style>{_STYLE}</style></head><body><main>{body}</main></body></html>')
