"""Every request body is checked before anything parses it: its size, UTF-8, and how deep its JSON nests;
and its query string for a parameter given twice (no parameter of the API is a list: FastAPI would take
one of the values silently, and a filter meant to narrow a read could be overridden by a second one).

Importing web3's dependencies (py_ecc, py-evm) raises Python's recursion limit to 100,000, so the
JSON parser no longer stops at RecursionError: a body of 100,000 nested arrays overflows the C stack
and the process dies. The nesting depth is therefore measured on the raw bytes, before any parser
sees them.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import accumulate
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rwakit.api.errors import BodyTooLarge, error_response
from rwakit.errors import InvalidInput, RwakitError

MAX_JSON_DEPTH = 32  # the deepest body the API takes nests 3 levels
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')  # linear once escapes are gone: no nested quantifier to backtrack
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in `body` (valid JSON or not), outside strings."""
    outside = _STRING.sub(b"", _ESCAPE.sub(b"", body))
    return max(accumulate(map(_STEP.__getitem__, outside.translate(None, _NOT_BRACKET))), default=0)


def check_body(body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"The request body is not UTF-8 (byte {exc.start})", code="invalid_utf8") from exc
    if json_depth(body) > MAX_JSON_DEPTH:
        raise InvalidInput(
            f"The JSON body nests arrays and objects deeper than {MAX_JSON_DEPTH} levels", code="json_too_deep"
        )


def check_query(query: bytes) -> None:
    names = Counter(name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    if repeated := sorted(name for name, count in names.items() if count > 1):
        raise InvalidInput(
            f"Query parameters given more than once: {', '.join(repeated)[:200]}; give each once",
            code="repeated_query_parameter",
        )


class BodyGuard:
    """ASGI middleware: reads the body (refusing it past `max_bytes` without reading on), checks it,
    and hands it on to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_query(scope.get("query_string", b""))
            body = await self._read(scope, receive)
            if body is None:
                return  # the client went away
            check_body(body)
        except RwakitError as exc:
            await error_response(exc)(scope, receive, send)
            return
        given = False

        async def replay() -> Message:
            nonlocal given
            if given:
                return await receive()  # e.g. a streaming response listening for the disconnect
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes | None:
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
