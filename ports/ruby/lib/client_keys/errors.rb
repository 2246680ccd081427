# frozen_string_literal: true

require "json"

module ClientKeys
  # The configuration is unusable. The message names the variable and the fix, never a value.
  class ConfigError < StandardError; end

  # A token (or an Authorization header) was refused. None of this ever holds a token or secret.
  #
  # For the operator: #reason is a Symbol (:malformed, :unknown_secret, :forged, :wrong_kind,
  # :expired, :key_not_allowed, :session_revoked; :not_bearer and :invalid_header for the
  # header), #message a sentence for the log, #key_id the key the token belongs to when it
  # decrypted. A server answers every token refusal with the same 401.
  class VerifyError < StandardError
    attr_reader :reason, :key_id, :description

    def initialize(reason, message, key_id: nil, description: nil)
      super(message)
      @reason = reason
      @key_id = key_id
      @description = description # :invalid_header only: the syntax problem, safe to show
    end

    def self.malformed(why)
      new(:malformed, "malformed token: #{why}")
    end

    # An access token whose session (nil: minted without one) is in CLIENT_REVOKED_SESSIONS.
    def self.session_revoked(key_id, session_id)
      message = if session_id.nil?
                  "the access tokens minted without a session id for key_id #{key_id} are revoked " \
                    "(CLIENT_REVOKED_SESSIONS)"
                else # quoted as Rust's `{:?}`: visible ASCII needs only `"` and `\` escaped
                  "session #{JSON.generate(session_id)} of key_id #{key_id} is revoked (CLIENT_REVOKED_SESSIONS)"
                end
      new(:session_revoked, message, key_id: key_id)
    end

    def self.invalid_header(why)
      new(:invalid_header, "malformed Authorization header: #{why}", description: why)
    end
  end
end
