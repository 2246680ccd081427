# frozen_string_literal: true

require "minitest/autorun"
require "json"
require "openssl"
$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
require "client_keys"

# Test-only token minting (the port verifies only), to craft the cases the vectors lack.
module TestTokens
  VECTORS = ENV.fetch("CLIENT_KEYS_VECTORS", File.expand_path("../../../tests/vectors", __dir__))
  S1 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
  S2 = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"
  K1 = "00112233445566778899aabbccddeeff"
  K2 = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e"
  FAR = 4_102_444_800 # 2100-01-01T00:00:00Z: for client keys, which have no longest lifetime
  SOON = Time.now.to_i + 3600 # for access tokens verified at the real clock: within their 24 hours

  module_function

  # [kind, document] of every vector file.
  def vector_files
    Dir[File.join(VECTORS, "*_v1.json")].sort.map do |path|
      [File.basename(path).start_with?("access_token") ? :access_token : :client_key,
       JSON.parse(File.read(path, encoding: "UTF-8"))]
    end
  end

  # A CLIENT_REVOKED_SESSIONS entry, percent-encoding the session id (test-only writer).
  def revoked_entry(key_id, session_id = nil, until_text = "2027-01-16T08:01:00Z")
    return "#{key_id}@#{until_text}" if session_id.nil?

    "#{key_id}:#{session_id.b.gsub(/[^A-Za-z0-9._~-]/n) { |c| format('%%%02X', c.ord) }}@#{until_text}"
  end

  def claim(tag, value)
    [tag, value.bytesize].pack("CC") + value.b
  end

  # Claims in the order given (no sorting, no checks), to craft non-canonical ones too.
  def claims(expires_at: nil, name: nil, scopes: [], metadata: [], session_id: nil)
    out = "".b
    out << claim(1, [expires_at].pack("Q>")) if expires_at
    out << claim(2, name) if name
    scopes.each { |scope| out << claim(3, scope) }
    metadata.each { |key, value| out << claim(4, [key.bytesize].pack("C") + key + value.b) }
    out << claim(5, session_id) if session_id
    out
  end

  def derive(secret, label, length = 32)
    OpenSSL::KDF.hkdf([secret].pack("H*"), salt: "client-keys/v1", info: label, length: length, hash: "SHA256")
  end

  # A token of `kind` carrying `key_id || claims`, sealed under `secret`.
  def seal(kind = :client_key, key_id: K1, claims: "".b, secret: S1, nonce: "\x07".b * 12)
    prefix, kind_byte, label = {
      client_key: ["ckey_", 1, "client-keys/v1 client-key aes-256-gcm"],
      access_token: ["ckat_", 2, "client-keys/v1 access-token aes-256-gcm"]
    }.fetch(kind)
    header = [1, kind_byte].pack("CC") + derive(secret, "client-keys/v1 secret-id", 4)
    cipher = OpenSSL::Cipher.new("aes-256-gcm").encrypt
    cipher.key = derive(secret, label)
    cipher.iv = nonce
    cipher.auth_data = prefix + header
    sealed = cipher.update([key_id].pack("H*") + claims) + cipher.final + cipher.auth_tag
    prefix + [header + nonce + sealed].pack("m0").tr("+/", "-_").delete("=")
  end

  def reason(verifier, token, **options)
    verifier.verify(token, **options)
    :accepted
  rescue ClientKeys::VerifyError => e
    e.reason
  end
end
