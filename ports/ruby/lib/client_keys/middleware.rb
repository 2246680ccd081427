# frozen_string_literal: true

require "json"
require "logger"

module ClientKeys
  # Rack middleware (Rails, Sinatra, any Rack app): only requests with a valid key get through.
  #
  # A request with a valid `Authorization: Bearer <token>` reaches the app with the VerifiedKey
  # in `env["client_keys.key"]`; any other gets the RFC 6750 answer of the Rust middleware,
  # with a JSON body and one WARN log line saying why (the token is never logged):
  #
  #   no Authorization, or another scheme  401  WWW-Authenticate: Bearer realm="api"
  #   malformed header                     400  ..., error="invalid_request", error_description="..."
  #   a token that does not verify         401  ..., error="invalid_token"  (the same for every cause)
  #   the key lacks the required `scope:`  403  ..., error="insufficient_scope", scope="..."
  #
  # Rack servers join repeated headers into one value: two Authorization headers then make one
  # malformed value, still a 400.
  class Middleware
    ENV_KEY = "client_keys.key"
    DEFAULT_LOGGER = Logger.new($stderr, level: Logger::WARN, progname: "client_keys")

    # `verifier`: a Verifier (default Verifier.from_env); `scope`: a scope every key must have;
    # `realm`: of the challenges; `logger`: default `env["rack.logger"]`, else $stderr at WARN.
    def initialize(app, verifier: nil, scope: nil, realm: "api", logger: nil)
      raise ArgumentError, "the realm must be printable ASCII without `\"` or `\\`" unless realm.match?(/\A[ !#-\[\]-~]*\z/)
      if scope && !Claims.scope?(scope)
        raise ArgumentError, "a required scope must be 1 to 32 visible ASCII characters without space, comma, `\"` or `\\`"
      end

      @app = app
      @verifier = verifier || Verifier.from_env
      @scope = scope
      @realm = realm
      @logger = logger
    end

    def call(env)
      logger = @logger || env["rack.logger"] || DEFAULT_LOGGER
      where = "method=#{env['REQUEST_METHOD']} path=#{env['SCRIPT_NAME']}#{env['PATH_INFO']}"
      key, refused = authenticate(env["HTTP_AUTHORIZATION"])
      if refused
        logger.warn("request refused: status=#{refused.status} error=#{refused.code} reason=#{refused.reason} " \
                    "key_id=#{refused.key_id} #{where}")
        return answer(refused)
      end
      logger.debug("client key accepted: key_id=#{key.key_id} kind=#{key.kind} name=#{key.name.inspect} #{where}")
      env[ENV_KEY] = key
      @app.call(env)
    end

    # Why a request was refused: what the caller is told (status, RFC 6750 error code and its
    # parameters) and, for the log only, the reason and the key id.
    Refusal = Struct.new(:status, :code, :reason, :key_id, :params, keyword_init: true) do
      def self.header(why)
        new(status: 400, code: "invalid_request", reason: "malformed Authorization header: #{why}",
            params: { error_description: why })
      end
    end

    private

    # [key, nil] or [nil, Refusal].
    def authenticate(header)
      return [nil, Refusal.new(status: 401, reason: "no Authorization header")] if header.nil?
      if header.b.match?(/[^\t -~]/n)
        return [nil, Refusal.header("a character outside visible ASCII in the Authorization header")]
      end

      key = @verifier.verify(Authorization.bearer_token(header))
      return [key, nil] if @scope.nil? || key.scope?(@scope)

      [nil, Refusal.new(status: 403, code: "insufficient_scope", reason: "the key does not have the required scope",
                        key_id: key.key_id, params: { scope: @scope })]
    rescue VerifyError => e
      case e.reason
      when :not_bearer then [nil, Refusal.new(status: 401, reason: e.message)]
      when :invalid_header then [nil, Refusal.header(e.description)]
      else [nil, Refusal.new(status: 401, code: "invalid_token", reason: e.message, key_id: e.key_id)]
      end
    end

    # The RFC 6750 answer: a challenge with the error code and its parameters, and a JSON body.
    def answer(refused)
      params = refused.code ? { error: refused.code, **(refused.params || {}) } : {}
      challenge = +"Bearer realm=\"#{@realm}\""
      params.each { |name, value| challenge << ", #{name}=\"#{value}\"" }
      body = JSON.generate({ error: "unauthorized", **params })
      [refused.status, { "content-type" => "application/json", "www-authenticate" => challenge,
                         "content-length" => body.bytesize.to_s }, [body]]
    end
  end
end
