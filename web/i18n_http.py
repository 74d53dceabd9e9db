"""GET /i18n/{lang}.json: a language's message catalogue for the pages (/explore), from i18n/.

    GET /i18n/zh-CN.json   200 {"lang": "zh-CN", "messages": {msgid: text, …}}
    GET /i18n/en.json      200 the same in English (msgids without an English text are left out:
                           a page shows the msgid itself, which is the English text)
    GET /i18n/fr.json      404 {"error": "…", "languages": ["zh-CN", "en"]}

The catalogue is every .po domain of the language (i18n.catalogue), so the pages have no string
tables of their own. Answers are cacheable (Cache-Control, and an ETag of the content: a
conditional request gets 304). No authentication: the catalogue is public text.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import i18n

CACHE_CONTROL = "public, max-age=300"


@lru_cache(maxsize=None)
def _body(lang: str) -> tuple[bytes, str]:
    body = json.dumps({"lang": lang, "messages": i18n.catalogue(lang)}, ensure_ascii=False,
                      sort_keys=True).encode("utf-8")
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def catalogue_json(request: Request) -> Response:
    lang = request.path_params["lang"]
    if lang not in i18n.LANGUAGES:
        return JSONResponse({"error": f"no catalogue for {lang!r}", "languages": list(i18n.LANGUAGES)},
                            status_code=404)
    body, etag = _body(lang)
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json; charset=utf-8", headers=headers)
