# frozen_string_literal: true

# Verify client keys (`ckey_…`) and access tokens (`ckat_…`) of client-keys format v1.
#
#   require "client_keys"
#   verifier = ClientKeys::Verifier.from_env   # CLIENT_SECRET, CLIENT_SECRET_PREVIOUS, CLIENT_KEYS,
#                                              # CLIENT_REVOKED_SESSIONS
#   key = verifier.verify(token)               # or ClientKeys::VerifyError (#reason, never the token)
#
# Rack: `use ClientKeys::Middleware` puts the key in `env["client_keys.key"]`.
module ClientKeys
end

require_relative "client_keys/version"
require_relative "client_keys/errors"
require_relative "client_keys/claims"
require_relative "client_keys/entries"
require_relative "client_keys/revoked_sessions"
require_relative "client_keys/verifier"
require_relative "client_keys/authorization"
require_relative "client_keys/middleware"
