# frozen_string_literal: true

require_relative "helper"
require "rack"
require "rack/lint"
require "rack/mock"
require "stringio"

# The Authorization header grammar and the Rack middleware, as a client sees them.
class MiddlewareTest < Minitest::Test
  include TestTokens

  GOOD = TestTokens.seal(claims: TestTokens.claims(scopes: ["read"]))
  INVALID_TOKEN = [401, 'Bearer realm="api", error="invalid_token"', { "error" => "invalid_token" }].freeze
  NO_CREDENTIALS = [401, 'Bearer realm="api"', { "error" => "unauthorized" }].freeze
  APP = ->(env) { [200, { "content-type" => "text/plain" }, [env[ClientKeys::Middleware::ENV_KEY].key_id]] }

  def invalid_request(description)
    [400, %(Bearer realm="api", error="invalid_request", error_description="#{description}"),
     { "error" => "invalid_request", "error_description" => description }]
  end

  # Sends one request through Rack::Lint and the middleware; returns the response and the log.
  def request(header, **options)
    log = StringIO.new
    logger = Logger.new(log, level: Logger::DEBUG)
    verifier = options.delete(:verifier) || ClientKeys::Verifier.new(secret: S1, client_keys: K1)
    app = Rack::Lint.new(ClientKeys::Middleware.new(APP, verifier: verifier, logger: logger, **options))
    env = header.nil? ? {} : { "HTTP_AUTHORIZATION" => header }
    [Rack::MockRequest.new(app).get("/apps?q=1", env), log.string]
  end

  def check(header, expected, **options)
    response, log = request(header, **options)
    if expected.is_a?(Integer)
      assert_equal [expected, K1], [response.status, response.body]
    else
      assert_equal expected[0], response.status, header
      assert_equal expected[1], response.headers["www-authenticate"]
      assert_equal "application/json", response.headers["content-type"]
      assert_equal response.body.bytesize.to_s, response.headers["content-length"]
      assert_equal JSON.generate(expected[2]), response.body
    end
    refute_includes log, GOOD
    refute_includes log, header[7..] if header && header.size > 12
    log
  end

  def test_bearer_token_grammar
    ["Bearer ckey_x", "bearer ckey_x", "BEARER ckey_x", "Bearer   ckey_x", " Bearer ckey_x\t"].each do |value|
      assert_equal "ckey_x", ClientKeys::Authorization.bearer_token(value)
    end
    assert_equal "abc==", ClientKeys::Authorization.bearer_token("Bearer abc==")
    ["", "Basic dXNlcjpwYXNz", "Digest a=b", "Bearerx abc", "Token abc"].each do |value|
      assert_equal :not_bearer, assert_raises(ClientKeys::VerifyError) { ClientKeys::Authorization.bearer_token(value) }.reason
    end
    {
      "Bearer" => "the Bearer scheme has no token", "Bearer " => "the Bearer scheme has no token",
      "Bearer a b" => "more than one token after Bearer", "Bearer\tabc" => "a tab in the Authorization header",
      "Bearer a\tb" => "a tab in the Authorization header",
      "Bearer a\u0000b" => "a control character in the Authorization header",
      "Bearer cl\u00e9" => "a non-ASCII character in the Authorization header",
      "Bearer a,b" => "the Bearer token is not a b64token", "Bearer ===" => "the Bearer token is not a b64token",
      "Bearer a=b" => "the Bearer token is not a b64token",
      "Be@rer abc" => "the authorization scheme is not a valid token"
    }.each do |value, description|
      error = assert_raises(ClientKeys::VerifyError) { ClientKeys::Authorization.bearer_token(value) }
      assert_equal [:invalid_header, description], [error.reason, error.description], value
    end
    error = assert_raises(ClientKeys::VerifyError) { ClientKeys::Authorization.bearer_token("Bearer #{'a' * 513}") }
    assert_equal "malformed token: token is too long", error.message
  end

  def test_a_valid_key_reaches_the_app
    log = check("Bearer #{GOOD}", 200)
    assert_includes log, "client key accepted: key_id=#{K1} kind=client_key name=nil method=GET path=/apps"
    check("bearer   #{GOOD}\t", 200)
    check("Bearer #{seal(:access_token, claims: claims(expires_at: SOON))}", 200)
  end

  def test_no_credentials
    log = check(nil, NO_CREDENTIALS)
    assert_includes log, "request refused: status=401 error= reason=no Authorization header key_id= method=GET path=/apps"
    check("Basic dXNlcjpwYXNz", NO_CREDENTIALS)
    check("", NO_CREDENTIALS)
  end

  def test_malformed_headers
    check("Bearer", invalid_request("the Bearer scheme has no token"))
    check("Bearer #{GOOD} x", invalid_request("more than one token after Bearer"))
    check("Bearer\t#{GOOD}", invalid_request("a tab in the Authorization header"))
    check("Bearer #{GOOD}\u00e9".b, invalid_request("a character outside visible ASCII in the Authorization header"))
    check("Bearer a\x7fb", invalid_request("a character outside visible ASCII in the Authorization header"))
  end

  def test_every_bad_token_gets_the_same_answer
    {
      forged: GOOD[0...-3] + (GOOD.end_with?("AAA") ? "BBB" : "AAA"),
      expired: seal(claims: claims(expires_at: 1_000_000_000)),
      key_not_allowed: seal(key_id: K2),
      unknown_secret: seal(secret: S2),
      malformed: "ckey_#{'A' * 600}"
    }.each do |why, token|
      log = check("Bearer #{token}", INVALID_TOKEN)
      assert_includes log, "status=401 error=invalid_token reason=", why
      assert_includes log, "expired at 1000000000 (unix time) key_id=#{K1}" if why == :expired
    end
  end

  def test_required_scope
    check("Bearer #{GOOD}", 200, scope: "read")
    log = check("Bearer #{GOOD}", [403, 'Bearer realm="api", error="insufficient_scope", scope="write"',
                                   { "error" => "insufficient_scope", "scope" => "write" }], scope: "write")
    assert_includes log, "status=403 error=insufficient_scope reason=the key does not have the required scope key_id=#{K1}"
    check(nil, NO_CREDENTIALS, scope: "write")
    assert_raises(ArgumentError) { ClientKeys::Middleware.new(APP, verifier: Object.new, scope: "read write") }
  end

  def test_rack_builder_passes_the_options
    verifier = ClientKeys::Verifier.new(secret: S1, client_keys: K1)
    logger = Logger.new(nil)
    app = Rack::Builder.new do
      use ClientKeys::Middleware, verifier: verifier, scope: "write", logger: logger
      run APP
    end
    response = Rack::MockRequest.new(app).get("/", "HTTP_AUTHORIZATION" => "Bearer #{GOOD}")
    assert_equal [403, '{"error":"insufficient_scope","scope":"write"}'], [response.status, response.body]
  end

  def test_a_revoked_session_gets_the_same_answer_and_its_reason_in_the_log
    verifier = ClientKeys::Verifier.new(secret: S1, client_keys: K1, revoked_sessions: revoked_entry(K1, "tab-1"))
    revoked = seal(:access_token, claims: claims(expires_at: SOON, session_id: "tab-1"))
    log = check("Bearer #{revoked}", INVALID_TOKEN, verifier: verifier)
    assert_includes log, %(reason=session "tab-1" of key_id #{K1} is revoked (CLIENT_REVOKED_SESSIONS) key_id=#{K1})
    check("Bearer #{seal(:access_token, claims: claims(expires_at: SOON, session_id: 'tab-2'))}", 200, verifier: verifier)
    check("Bearer #{GOOD}", 200, verifier: verifier)
  end

  def test_an_access_token_living_too_long_gets_the_same_answer
    log = check("Bearer #{seal(:access_token, claims: claims(expires_at: SOON + 86_400))}", INVALID_TOKEN)
    assert_includes log, "reason=malformed token: an access token expires later than"
  end

  def test_realm
    check(nil, [401, 'Bearer realm="my api"', { "error" => "unauthorized" }], realm: "my api")
    assert_raises(ArgumentError) { ClientKeys::Middleware.new(APP, verifier: Object.new, realm: 'a"b') }
  end
end
