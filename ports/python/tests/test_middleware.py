"""The Authorization header grammar and the WSGI and ASGI middleware, as a client sees them."""

import asyncio
import json
import logging
import unittest

from client_keys import Verifier, VerifyError, bearer_token
from client_keys import asgi, wsgi

from .helpers import K1, K2, S1, S2, SOON, claims, revoked_entry, seal

GOOD = seal(claim_bytes=claims(scopes=["read"]))
INVALID_TOKEN = (401, 'Bearer realm="api", error="invalid_token"', {"error": "invalid_token"})
NO_CREDENTIALS = (401, 'Bearer realm="api"', {"error": "unauthorized"})


def invalid_request(description):
    return (400, f'Bearer realm="api", error="invalid_request", error_description="{description}"',
            {"error": "invalid_request", "error_description": description})


class BearerToken(unittest.TestCase):
    def test_accepts_bearer_in_any_case_and_spacing(self):
        for value in ["Bearer ckey_x", "bearer ckey_x", "BEARER ckey_x", "Bearer   ckey_x",
                      " Bearer ckey_x\t", b"Bearer ckey_x"]:
            self.assertEqual(bearer_token(value), "ckey_x", value)
        self.assertEqual(bearer_token("Bearer abc=="), "abc==")

    def test_other_schemes_carry_no_bearer_credentials(self):
        for value in ["", "Basic dXNlcjpwYXNz", "Digest a=b", "Bearerx abc", "Token abc"]:
            with self.assertRaises(VerifyError) as caught:
                bearer_token(value)
            self.assertEqual(caught.exception.reason, "not_bearer", value)

    def test_malformed_headers_are_invalid_requests(self):
        cases = {
            "Bearer": "the Bearer scheme has no token",
            "Bearer ": "the Bearer scheme has no token",
            "Bearer a b": "more than one token after Bearer",
            "Bearer\tabc": "a tab in the Authorization header",
            "Bearer a\tb": "a tab in the Authorization header",
            "Bearer a\x00b": "a control character in the Authorization header",
            "Bearer cl\u00e9": "a non-ASCII character in the Authorization header",
            "Bearer a,b": "the Bearer token is not a b64token",
            "Bearer ===": "the Bearer token is not a b64token",
            "Bearer a=b": "the Bearer token is not a b64token",
            "Be@rer abc": "the authorization scheme is not a valid token",
        }
        for value, description in cases.items():
            with self.assertRaises(VerifyError) as caught:
                bearer_token(value)
            self.assertEqual((caught.exception.reason, caught.exception.description),
                             ("invalid_header", description), value)

    def test_long_tokens_are_refused_before_scanning(self):
        with self.assertRaises(VerifyError) as caught:
            bearer_token("Bearer " + "a" * 513)
        self.assertEqual(str(caught.exception), "malformed token: token is too long")


def hello(environ, start_response):
    start_response("200 OK", [("content-type", "text/plain")])
    return [environ["client_keys.key"].key_id.encode()]


def call_wsgi(app, header=None, method="GET"):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": "/apps", "QUERY_STRING": "q=1"}
    if header is not None:
        environ["HTTP_AUTHORIZATION"] = header
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def call_asgi(app, headers=()):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/apps", "headers": list(headers),
             "state": {"lifespan": 1}}
    asyncio.run(app(scope, receive, send))
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


async def asgi_hello(scope, receive, send):
    key = scope["client_keys.key"]
    assert scope["state"] == {"lifespan": 1, "client_key": key}
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": key.key_id.encode()})


class Middleware(unittest.TestCase):
    """Each case runs through both the WSGI and the ASGI middleware."""

    def setUp(self):
        self.verifier = Verifier(S1, K1)

    def both(self, header, expected, **options):
        wsgi_app = wsgi.ClientKeyMiddleware(hello, self.verifier, **options)
        asgi_app = asgi.ClientKeyMiddleware(asgi_hello, self.verifier, **options)
        headers = [] if header is None else [(b"authorization", header.encode("latin-1"))]
        with self.assertLogs("client_keys", "DEBUG") as logs:
            answers = [call_wsgi(wsgi_app, header), call_asgi(asgi_app, headers)]
        for status, headers, body in answers:
            if isinstance(expected, int):
                self.assertEqual((status, body), (expected, K1.encode()))
                continue
            self.assertEqual(status, expected[0], header)
            self.assertEqual(headers["www-authenticate"], expected[1])
            self.assertEqual(headers["content-type"], "application/json")
            self.assertEqual(int(headers["content-length"]), len(body))
            self.assertEqual(body, json.dumps(expected[2], separators=(",", ":")).encode())
        for line in logs.output:
            self.assertNotIn(GOOD, line)
            if header and len(header) > 12:
                self.assertNotIn(header[7:], line)
        return logs.output

    def test_a_valid_key_reaches_the_app(self):
        logs = self.both(f"Bearer {GOOD}", 200)
        self.assertIn(f"client key accepted: key_id={K1} kind=client_key", logs[0])
        self.both(f"bearer   {GOOD}\t", 200)

    def test_no_credentials(self):
        logs = self.both(None, NO_CREDENTIALS)
        self.assertIn("status=401 error=None reason=no Authorization header method=GET path=/apps",
                      logs[0].replace(" key_id=None", ""))
        self.both("Basic dXNlcjpwYXNz", NO_CREDENTIALS)
        self.both("", NO_CREDENTIALS)

    def test_malformed_headers(self):
        self.both("Bearer", invalid_request("the Bearer scheme has no token"))
        self.both(f"Bearer {GOOD} x", invalid_request("more than one token after Bearer"))
        self.both(f"Bearer\t{GOOD}", invalid_request("a tab in the Authorization header"))
        self.both(f"Bearer {GOOD}\u00e9",
                  invalid_request("a character outside visible ASCII in the Authorization header"))
        self.both("Bearer a\x7fb",
                  invalid_request("a character outside visible ASCII in the Authorization header"))

    def test_every_bad_token_gets_the_same_answer(self):
        tokens = {
            "forged": GOOD[:-3] + ("AAA" if GOOD[-3:] != "AAA" else "BBB"),
            "expired": seal(claim_bytes=claims(expires_at=1_000_000_000)),
            "key_not_allowed": seal(key_id=K2),
            "unknown_secret": seal(secret=S2),
            "malformed": "ckey_" + "A" * 600,
        }
        for why, token in tokens.items():
            logs = self.both(f"Bearer {token}", INVALID_TOKEN)
            self.assertIn("status=401 error=invalid_token reason=", logs[0])
        expired = self.both(f"Bearer {tokens['expired']}", INVALID_TOKEN)
        self.assertIn(f"expired at 1000000000 (unix time) key_id={K1}", expired[0])

    def test_required_scope(self):
        self.both(f"Bearer {GOOD}", 200, required_scope="read")
        logs = self.both(f"Bearer {GOOD}", (
            403, 'Bearer realm="api", error="insufficient_scope", scope="write"',
            {"error": "insufficient_scope", "scope": "write"}), required_scope="write")
        self.assertIn("status=403 error=insufficient_scope", logs[-1])
        self.assertIn(f"key_id={K1}", logs[-1])
        self.both(None, NO_CREDENTIALS, required_scope="write")
        with self.assertRaises(ValueError):
            wsgi.ClientKeyMiddleware(hello, self.verifier, required_scope="read write")

    def test_realm(self):
        self.both(None, (401, 'Bearer realm="my api"', {"error": "unauthorized"}), realm="my api")
        with self.assertRaises(ValueError):
            asgi.ClientKeyMiddleware(asgi_hello, self.verifier, realm='a"b')

    def test_an_access_token_passes_too(self):
        self.both("Bearer " + seal("access_token", claim_bytes=claims(expires_at=SOON)), 200)

    def test_a_revoked_session_gets_the_same_answer_and_its_reason_in_the_log(self):
        self.verifier = Verifier(S1, K1, revoked_sessions=revoked_entry(K1, "tab-1"))
        revoked = seal("access_token", claim_bytes=claims(expires_at=SOON, session_id="tab-1"))
        logs = self.both(f"Bearer {revoked}", INVALID_TOKEN)
        self.assertIn(f'reason=session "tab-1" of key_id {K1} is revoked (CLIENT_REVOKED_SESSIONS) '
                      f"key_id={K1}", logs[0])
        other = seal("access_token", claim_bytes=claims(expires_at=SOON, session_id="tab-2"))
        self.both(f"Bearer {other}", 200)
        self.both(f"Bearer {GOOD}", 200)

    def test_an_access_token_living_too_long_gets_the_same_answer(self):
        token = seal("access_token", claim_bytes=claims(expires_at=SOON + 86400))
        logs = self.both(f"Bearer {token}", INVALID_TOKEN)
        self.assertIn("reason=malformed token: an access token expires later than", logs[0])

    def test_asgi_refuses_two_authorization_headers(self):
        app = asgi.ClientKeyMiddleware(asgi_hello, self.verifier)
        header = f"Bearer {GOOD}".encode()
        with self.assertLogs("client_keys", "WARNING"):
            status, headers, body = call_asgi(app, [(b"authorization", header),
                                                    (b"Authorization", header)])
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["error_description"], "more than one Authorization header")

    def test_asgi_passes_lifespan_and_closes_refused_websockets(self):
        seen, sent = [], []

        async def app(scope, receive, send):
            seen.append(scope["type"])

        async def send(message):
            sent.append(message)

        middleware = asgi.ClientKeyMiddleware(app, self.verifier)
        asyncio.run(middleware({"type": "lifespan"}, None, send))
        with self.assertLogs("client_keys", "WARNING"):
            asyncio.run(middleware({"type": "websocket", "path": "/ws", "headers": []}, None, send))
        self.assertEqual(seen, ["lifespan"])
        self.assertEqual(sent, [{"type": "websocket.close", "code": 1008}])


if __name__ == "__main__":
    logging.basicConfig()
    unittest.main()
