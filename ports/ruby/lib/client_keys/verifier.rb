# frozen_string_literal: true

require "openssl"

module ClientKeys
  CLIENT_KEY = :client_key
  ACCESS_TOKEN = :access_token
  KINDS = [CLIENT_KEY, ACCESS_TOKEN].freeze
  MAX_TOKEN_LEN = 512
  # The longest lifetime of an access token, in seconds: a verifier refuses one that expires later
  # than `now + MAX_ACCESS_TTL + CLOCK_SKEW` (or its own lower `max_access_ttl:`), whoever sealed it.
  MAX_ACCESS_TTL = 24 * 3600
  # How far ahead of this server's clock the minting server's clock may be, in seconds.
  CLOCK_SKEW = 60

  # A key that passed Verifier#verify. For an access token, #key_id is its parent's.
  class VerifiedKey
    attr_reader :key_id, :kind, :name, :scopes, :metadata, :expires_at, :session_id

    def initialize(key_id:, kind:, name: nil, scopes: [], metadata: {}, expires_at: nil, session_id: nil)
      @key_id = key_id
      @kind = kind
      @name = name
      @scopes = scopes.freeze
      @metadata = metadata.freeze
      @expires_at = expires_at
      @session_id = session_id
      freeze
    end

    def scope?(scope)
      @scopes.include?(scope)
    end

    def to_h
      { key_id: key_id, kind: kind, name: name, scopes: scopes, metadata: metadata,
        expires_at: expires_at, session_id: session_id }
    end
  end

  # Verifies tokens against CLIENT_SECRET (and previous secrets) and the CLIENT_KEYS allowlist.
  #
  #   verifier = ClientKeys::Verifier.from_env
  #   key = verifier.verify(token)          # raises ClientKeys::VerifyError, never naming the token
  #   key.key_id, key.scopes, key.metadata
  class Verifier
    PREFIXES = { "ckey_".b => [CLIENT_KEY, 0x01], "ckat_".b => [ACCESS_TOKEN, 0x02] }.freeze
    KIND_TEXT = { CLIENT_KEY => "client key", ACCESS_TOKEN => "access token" }.freeze
    MIN_BODY_LEN = 6 + 12 + 16 + 16 # header, nonce, key id, tag
    BASE64URL = /\A[A-Za-z0-9_-]*\z/n.freeze
    SALT = "client-keys/v1"
    LABELS = {
      secret_id: "client-keys/v1 secret-id",
      CLIENT_KEY => "client-keys/v1 client-key aes-256-gcm",
      ACCESS_TOKEN => "client-keys/v1 access-token aes-256-gcm"
    }.freeze
    TRIM = Entries::TRIM
    HEX_KEY_ID = /\A\h{32}\z/.freeze

    # What is derived from one secret (the secret itself is not kept).
    SecretKeys = Struct.new(:id, :keys) do
      def inspect
        "#<SecretKeys id=#{id.unpack1('H*')} [redacted]>"
      end
    end

    # Reads CLIENT_SECRET, CLIENT_SECRET_PREVIOUS (optional), CLIENT_KEYS and
    # CLIENT_REVOKED_SESSIONS (optional) from `env`. `kinds:` and `max_access_ttl:` are policy,
    # from code.
    def self.from_env(env = ENV, kinds: KINDS, max_access_ttl: MAX_ACCESS_TTL)
      values = %w[CLIENT_SECRET CLIENT_SECRET_PREVIOUS CLIENT_KEYS CLIENT_REVOKED_SESSIONS].to_h do |name|
        value = env[name]&.dup&.force_encoding(Encoding::UTF_8)
        raise ConfigError, "#{name} is not valid UTF-8: set it again as plain text" if value && !value.valid_encoding?

        [name, value]
      end
      if values["CLIENT_SECRET"].nil?
        raise ConfigError, "CLIENT_SECRET is not set: create one with `issue-client-key secret` " \
                           "and put it in the environment"
      end
      new(secret: values["CLIENT_SECRET"], client_keys: values["CLIENT_KEYS"],
          previous: values["CLIENT_SECRET_PREVIOUS"], kinds: kinds,
          revoked_sessions: values["CLIENT_REVOKED_SESSIONS"], max_access_ttl: max_access_ttl)
    end

    # `secret`: the 64 hex characters of CLIENT_SECRET; `client_keys`: the text of CLIENT_KEYS
    # (or an Array of key ids); `previous`: the text of CLIENT_SECRET_PREVIOUS (or an Array);
    # `kinds`: the kinds of token #verify accepts; `revoked_sessions`: the text of
    # CLIENT_REVOKED_SESSIONS (or an Array of its entries, or a RevokedSessions), whose access
    # tokens are refused as :session_revoked; `max_access_ttl`: the longest access-token lifetime
    # your token endpoint grants (seconds): access tokens expiring more than that (plus
    # CLOCK_SKEW) after now are refused as :malformed. It can only lower MAX_ACCESS_TTL, which
    # applies by default (clamped to 1..86400).
    def initialize(secret:, client_keys:, previous: nil, kinds: KINDS, revoked_sessions: nil,
                   max_access_ttl: MAX_ACCESS_TTL)
      @keyring = [derive(parse_secret(secret, "CLIENT_SECRET"))]
      entries(previous || []).each_with_index do |entry, i|
        @keyring << derive(parse_secret(entry, "CLIENT_SECRET_PREVIOUS entry #{i + 1}"))
      end
      @keyring.freeze
      if client_keys.nil?
        raise ConfigError, "CLIENT_KEYS is not set: add `CLIENT_KEYS=` (comma-separated key ids) " \
                           "to the environment; an empty value refuses every key"
      end
      unknown = kinds - KINDS
      raise ArgumentError, "unknown token kinds #{unknown.inspect}: use #{KINDS.inspect}" if unknown.any?

      # Other entries (such as `another-key` of older deployments) can never match a token.
      @allowlist = entries(client_keys).grep(HEX_KEY_ID).map(&:downcase).to_h { |id| [id, true] }.freeze
      @kinds = kinds.dup.freeze
      @revoked = revoked_sessions.is_a?(RevokedSessions) ? revoked_sessions : RevokedSessions.parse(revoked_sessions)
      raise TypeError, "max_access_ttl: is a number of seconds" unless max_access_ttl.is_a?(Numeric)

      @max_access_ttl = max_access_ttl.clamp(1, MAX_ACCESS_TTL).floor
      freeze
    end

    # Returns the VerifiedKey of `token`, or raises VerifyError saying why not.
    #
    # The checks, in this order (docs/FORMAT.md, "Verifying"), each only if all before passed:
    # length (before anything proportional to the input), prefix, strict base64url, body size,
    # version and kind byte, secret id, AES-GCM, key id and claims (canonical, per-kind rules),
    # accepted kind, expiry (`now >= expires_at`; `now` in unix seconds, default the clock) and
    # for an access token its lifetime (`expires_at > now + max_access_ttl + CLOCK_SKEW` is
    # malformed), the allowlist (for an access token, its parent's key id), and for an access
    # token CLIENT_REVOKED_SESSIONS (its parent and session id, or none).
    def verify(token, now: nil)
      raise VerifyError.malformed("token is too long") if token.bytesize > MAX_TOKEN_LEN
      raise VerifyError.malformed("token is too short") if token.bytesize < 5

      text = token.b
      kind, kind_byte = PREFIXES[text.byteslice(0, 5)]
      raise VerifyError.malformed("unknown token prefix") if kind.nil?

      body = decode_base64url(text.byteslice(5..))
      raise VerifyError.malformed("token is too short") if body.bytesize < MIN_BODY_LEN
      raise VerifyError.malformed("unsupported token version") if body.getbyte(0) != 0x01
      raise VerifyError.malformed("token kind does not match its prefix") if body.getbyte(1) != kind_byte

      plaintext = decrypt(kind, text.byteslice(0, 5) + body.byteslice(0, 6), body)
      key_id = plaintext.byteslice(0, 16).unpack1("H*")
      claims = begin
        Claims.decode(plaintext.byteslice(16..))
      rescue Claims::Error => e
        raise VerifyError.malformed(e.message)
      end
      check_kind_rules(kind, claims)
      unless @kinds.include?(kind)
        raise VerifyError.new(:wrong_kind, "a #{KIND_TEXT[kind]} (key_id #{key_id}) is not accepted here", key_id: key_id)
      end

      check_expiry(kind, key_id, claims.expires_at, now || Time.now.to_i) if claims.expires_at
      unless @allowlist.key?(key_id)
        raise VerifyError.new(:key_not_allowed, "key_id #{key_id} is not in CLIENT_KEYS (revoked or never added)",
                              key_id: key_id)
      end
      if kind == ACCESS_TOKEN && @revoked.include?(key_id, claims.session_id)
        raise VerifyError.session_revoked(key_id, claims.session_id)
      end

      VerifiedKey.new(key_id: key_id, kind: kind, name: claims.name, scopes: claims.scopes,
                      metadata: claims.metadata, expires_at: claims.expires_at, session_id: claims.session_id)
    end

    # Verifies the value of an Authorization header (`Bearer <token>`).
    def verify_authorization(header_value, now: nil)
      verify(Authorization.bearer_token(header_value), now: now)
    end

    def accepts?(kind)
      @kinds.include?(kind)
    end

    def inspect
      "#<ClientKeys::Verifier secret_ids=#{@keyring.map { |k| k.id.unpack1('H*') }} " \
        "client_keys=#{@allowlist.size} kinds=#{@kinds} revoked_sessions=#{@revoked.size} " \
        "max_access_ttl=#{@max_access_ttl}>"
    end
    alias to_s inspect

    private

    # Opens the body with each configured secret whose id it names.
    def decrypt(kind, aad, body)
      candidates = @keyring.select { |k| k.id == body.byteslice(2, 4) }
      if candidates.empty?
        raise VerifyError.new(:unknown_secret, "token was minted under a secret this server does not have " \
                                               "(an old secret no longer in CLIENT_SECRET_PREVIOUS, or another deployment's)")
      end

      candidates.each do |secret| # a 4-byte id can collide between two secrets: try each
        cipher = OpenSSL::Cipher.new("aes-256-gcm").decrypt
        cipher.key = secret.keys[kind]
        cipher.iv = body.byteslice(6, 12)
        cipher.auth_tag = body.byteslice(-16, 16)
        cipher.auth_data = aad
        return cipher.update(body.byteslice(18...-16)) + cipher.final
      rescue OpenSSL::Cipher::CipherError
        next
      end
      raise VerifyError.new(:forged, "token does not decrypt: tampered with or forged")
    end

    # Strict base64url: no padding, only the alphabet, and zero unused bits.
    def decode_base64url(text)
      raise VerifyError.malformed("token is not canonical base64url") if text.bytesize % 4 == 1 || !BASE64URL.match?(text)

      body = (text.tr("-_", "+/") + ("=" * (-text.bytesize % 4))).unpack1("m0")
      raise VerifyError.malformed("token is not canonical base64url") unless [body].pack("m0").tr("+/", "-_").delete("=") == text

      body
    rescue ArgumentError
      raise VerifyError.malformed("token is not canonical base64url")
    end

    def check_expiry(kind, key_id, expires_at, now)
      if now >= expires_at
        raise VerifyError.new(:expired, "token of key_id #{key_id} expired at #{expires_at} (unix time)", key_id: key_id)
      end
      return unless kind == ACCESS_TOKEN && expires_at > now + @max_access_ttl + CLOCK_SKEW

      raise VerifyError.malformed("an access token expires later than this server's longest access-token lifetime")
    end

    def check_kind_rules(kind, claims)
      raise VerifyError.malformed("a client key carries a session id") if kind == CLIENT_KEY && claims.session_id
      raise VerifyError.malformed("an access token has no expiry") if kind == ACCESS_TOKEN && claims.expires_at.nil?
      return unless kind == ACCESS_TOKEN && (claims.name || claims.metadata.any?)

      raise VerifyError.malformed("an access token carries a name or metadata")
    end

    def derive(secret)
      hkdf = ->(label, length) { OpenSSL::KDF.hkdf(secret, salt: SALT, info: label, length: length, hash: "SHA256") }
      SecretKeys.new(hkdf.call(LABELS[:secret_id], 4),
                     KINDS.to_h { |kind| [kind, hkdf.call(LABELS[kind], 32)] }.freeze).freeze
    end

    # Comma-separated text (or an Array): entries trimmed, empty ones dropped.
    def entries(value)
      Entries.split(value)
    end

    # The 32 bytes of a secret's 64 hex characters; the error never repeats the value.
    def parse_secret(text, variable)
      raise TypeError, "#{variable} must be a String" unless text.is_a?(String)

      text = text.dup.force_encoding(Encoding::UTF_8)
      problem =
        if text.empty? then "is empty"
        elsif !text.valid_encoding? then "is not valid UTF-8"
        elsif text.gsub(TRIM, "") != text then "has whitespace around it"
        elsif text.bytesize >= 2 && text[0] == text[-1] && ["\"", "'"].include?(text[0])
          "is wrapped in quotes that are part of the value"
        elsif text.length != 64 then "is #{text.length} characters long"
        elsif (position = text.index(/\H/)) then "has a character that is not hexadecimal at position #{position + 1}"
        else
          return [text].pack("H*")
        end
      raise ConfigError, "#{variable} #{problem}; it must be exactly 64 hexadecimal characters (32 bytes), " \
                         "unquoted: make one with `issue-client-key secret`"
    end
  end
end
