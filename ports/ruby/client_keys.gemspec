# frozen_string_literal: true

require_relative "lib/client_keys/version"

Gem::Specification.new do |spec|
  spec.name = "client_keys"
  spec.version = ClientKeys::VERSION
  spec.summary = "Verify client-keys API keys (ckey_) and access tokens (ckat_), with Rack middleware"
  spec.description = "A verify-only port of the client-keys token format v1: AES-256-GCM tokens " \
                     "checked against CLIENT_SECRET and the CLIENT_KEYS allowlist. Standard library " \
                     "and OpenSSL only."
  spec.licenses = ["MIT", "Apache-2.0"]
  spec.authors = ["client-keys contributors"]
  spec.required_ruby_version = ">= 3.0"
  spec.files = Dir["lib/**/*.rb", "bin/*", "README.md"]
  spec.bindir = "bin"
  spec.executables = ["client-keys-verify"]
  spec.require_paths = ["lib"]
end
