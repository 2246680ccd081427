"""ASGI middleware (FastAPI, Starlette, any ASGI app): only requests with a valid key get through."""

from ._http import MiddlewareBase, authenticate, log_accepted

SCOPE_KEY = "client_keys.key"


class ClientKeyMiddleware(MiddlewareBase):
    """Verifies `Authorization: Bearer <token>` on every HTTP request and WebSocket handshake.

    A request with a valid key reaches `app` with the VerifiedKey in `scope["client_keys.key"]`
    and in `scope["state"]["client_key"]` (Starlette and FastAPI: `request.state.client_key`);
    any other gets the RFC 6750 answer of the Rust middleware (401, 400 or, with
    `required_scope`, 403; a refused WebSocket handshake is closed, which servers answer with
    403) and one WARNING on the `client_keys` logger saying why. The token is never logged.
    """

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        values = [v for k, v in scope.get("headers", ()) if k.lower() == b"authorization"]
        key, refusal = authenticate(self.verifier, values, self.required_scope)
        method, path = scope.get("method", "GET"), scope.get("path", "")
        if refusal is not None:
            refusal.log(self.logger, method, path)
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            headers = [(k.encode(), v.encode()) for k, v in refusal.headers(self.realm)]
            await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
            return await send({"type": "http.response.body", "body": refusal.content()})
        log_accepted(self.logger, key, method, path)
        scope = dict(scope, state={**scope.get("state", {}), "client_key": key})
        scope[SCOPE_KEY] = key
        return await self.app(scope, receive, send)
