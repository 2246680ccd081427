"""WSGI middleware (Flask, Django, any WSGI app): only requests with a valid key get through."""

from ._http import MiddlewareBase, STATUS_TEXT, authenticate, log_accepted

ENVIRON_KEY = "client_keys.key"


class ClientKeyMiddleware(MiddlewareBase):
    """Verifies `Authorization: Bearer <token>` on every request.

    A request with a valid key reaches `app` with the VerifiedKey in `environ["client_keys.key"]`;
    any other gets the RFC 6750 answer of the Rust middleware (401, 400 or, with
    `required_scope`, 403) and one WARNING on the `client_keys` logger saying why. The token is
    never logged. A server that joins repeated headers into one value (most WSGI servers do)
    turns two Authorization headers into one malformed value: still a 400.
    """

    def __call__(self, environ, start_response):
        header = environ.get("HTTP_AUTHORIZATION")
        key, refusal = authenticate(self.verifier, [] if header is None else [header],
                                    self.required_scope)
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
        if refusal is not None:
            refusal.log(self.logger, method, path)
            start_response(f"{refusal.status} {STATUS_TEXT[refusal.status]}",
                           refusal.headers(self.realm))
            return [refusal.content()]
        log_accepted(self.logger, key, method, path)
        environ[ENVIRON_KEY] = key
        return self.app(environ, start_response)
