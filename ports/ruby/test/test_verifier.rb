# frozen_string_literal: true

require_relative "helper"

# The verifier on crafted tokens: kinds, the clock seam, rotation, the allowlist, limits, config.
class VerifierTest < Minitest::Test
  include TestTokens

  def verifier(keys = K1, secret: S1, **options)
    ClientKeys::Verifier.new(secret: secret, client_keys: keys, **options)
  end

  def test_a_verifier_can_refuse_a_kind_before_expiry_and_allowlist
    key = seal
    access = seal(:access_token, claims: claims(expires_at: FAR))
    access_only = verifier(kinds: [:access_token])
    error = assert_raises(ClientKeys::VerifyError) { access_only.verify(key) }
    assert_equal [:wrong_kind, K1, "a client key (key_id #{K1}) is not accepted here"],
                 [error.reason, error.key_id, error.message]
    assert_equal :wrong_kind, reason(verifier(kinds: [:client_key]), access)
    assert_equal :access_token, access_only.verify(access).kind
    assert_equal :wrong_kind, reason(access_only, seal(claims: claims(expires_at: 1_000_000_000)))
    assert_equal :wrong_kind, reason(verifier(K2, kinds: [:access_token]), key)
    assert_equal :forged, reason(access_only, "#{key[0...-2]}AA")
    assert_raises(ArgumentError) { verifier(kinds: [:jwt]) }
  end

  def test_expired_when_now_reaches_expires_at
    at = Time.now.to_i + 3600
    token = seal(claims: claims(expires_at: at))
    assert_equal at, verifier.verify(token).expires_at
    assert_equal at, verifier.verify(token, now: at - 1).expires_at
    assert_equal :expired, reason(verifier, token, now: at)
    assert_equal :expired, reason(verifier, token, now: at + 10**9)
    assert_equal :expired, reason(verifier, seal(:access_token, claims: claims(expires_at: at)), now: at)
  end

  def test_previous_secrets_verify_and_unknown_ones_do_not
    token = seal(secret: S1)
    assert_equal K1, verifier(secret: S2, previous: " , #{S1.upcase} ,").verify(token).key_id
    assert_equal K1, verifier(secret: S2, previous: [S1]).verify(token).key_id
    assert_equal :unknown_secret, reason(verifier(secret: S2), token)
    assert_equal :unknown_secret, reason(verifier(secret: S2, previous: ""), token)
  end

  def test_allowlist_entries_are_trimmed_case_insensitive_and_others_never_match
    token = seal(key_id: K2)
    [" #{K2} ", ",,another-key, #{K2.upcase},", "\u3000#{K2}\u00a0", [K2]].each do |text|
      assert_equal K2, verifier(text).verify(token).key_id, text
    end
    ["", " , ", K1, "another-key", K2[0, 31], "#{K2}0"].each do |text|
      assert_equal :key_not_allowed, reason(verifier(text), token), text
    end
    access = seal(:access_token, key_id: K2, claims: claims(expires_at: FAR))
    assert_equal K2, verifier(K2).verify(access).key_id
    assert_equal :key_not_allowed, reason(verifier(K1), access)
  end

  def test_length_is_checked_first
    biggest = seal(claims: claims(name: "n" * 64, metadata: [["k", "v" * 128], ["l", "w" * 128]]))
    assert_equal 512, biggest.size
    assert_equal "n" * 64, verifier.verify(biggest).name
    [biggest + "A", "ckey_#{'A' * 508}", "x" * (1 << 20), "é" * 300].each do |token|
      error = assert_raises(ClientKeys::VerifyError) { verifier.verify(token) }
      assert_equal "malformed token: token is too long", error.message
    end
    garbage = "x" * (1 << 20)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    1000.times { reason(verifier, garbage) }
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - started, :<, 1.0
  end

  def test_claims_at_and_past_their_limits
    scopes = (0...17).map { |i| format("s%02d", i) }
    metadata = (0...9).map { |i| ["k#{i}", "v"] }
    accepted = [
      claims(name: "é" * 32), claims(name: "\ufeffbom kept"), claims(name: "nbsp\u00a0ok"),
      claims(scopes: scopes[0, 16]), claims(metadata: metadata[0, 8]), claims(metadata: [["k", ""]]),
      claims(scopes: ["!#$%&'()*+-./:;<=>?@[]^_`{|}~"]), claims(metadata: [%w[A x], %w[_ y], %w[a z]])
    ]
    accepted.each { |raw| assert_equal K1, verifier.verify(seal(claims: raw)).key_id, raw.inspect }
    assert_equal "\ufeffbom kept", verifier.verify(seal(claims: claims(name: "\ufeffbom kept"))).name
    refused = [
      claims(name: "#{'é' * 32}e"), claims(name: ""), claims(name: "\xc3\x28".b), claims(name: "\xed\xa0\x80".b),
      claims(name: "\xc0\x80".b), claims(name: "tab\there"), claims(name: "c1\u009f"), claims(scopes: scopes),
      claims(metadata: metadata), claims(scopes: %w[b a]), claims(scopes: %w[a a]), claims(scopes: ["a,b"]),
      claims(scopes: ['a"b']), claims(scopes: ["a\\b"]), claims(scopes: [""]), claims(metadata: [%w[a x], %w[A y]]),
      claims(metadata: [%w[k/ v]]), claims(metadata: [["k", "v" * 129]]), claims(metadata: [["k", "\x7f"]]),
      claims(expires_at: 0), claims(expires_at: 253_402_300_800), "\x04\x00".b, "\x04\x02\x05k".b,
      claims(name: "a") + claims(expires_at: FAR), "\x01\x04\x00\x00\x00\x01".b, "\x06\x00".b
    ]
    refused.each { |raw| assert_equal :malformed, reason(verifier, seal(claims: raw)), raw.inspect }
    assert_equal 253_402_300_799, verifier.verify(seal(claims: claims(expires_at: 253_402_300_799)), now: 0).expires_at
  end

  def test_per_kind_claims
    session = "!~\"\\" * 16
    assert_equal session, verifier.verify(seal(:access_token, claims: claims(expires_at: FAR, session_id: session))).session_id
    [[:client_key, claims(session_id: "s")], [:access_token, claims(scopes: ["read"])],
     [:access_token, claims(expires_at: FAR, name: "n")], [:access_token, claims(expires_at: FAR, metadata: [%w[k v]])],
     [:access_token, claims(expires_at: FAR, session_id: "a b")],
     [:access_token, claims(expires_at: FAR, session_id: "s" * 65)]].each do |kind, raw|
      assert_equal :malformed, reason(verifier, seal(kind, claims: raw)), raw.inspect
    end
  end

  def test_configuration_problems_name_the_variable_never_the_value
    bad = "zz" * 32
    [
      [{ secret: "" }, "CLIENT_SECRET is empty"],
      [{ secret: " #{S1}" }, "CLIENT_SECRET has whitespace around it"],
      [{ secret: "\"#{S1}\"" }, "CLIENT_SECRET is wrapped in quotes"],
      [{ secret: S1[0, 63] }, "CLIENT_SECRET is 63 characters long"],
      [{ secret: "é#{S1[1..]}" }, "CLIENT_SECRET has a character that is not hexadecimal at position 1"],
      [{ secret: bad }, "CLIENT_SECRET has a character that is not hexadecimal at position 1"],
      [{ previous: "#{S2}, #{bad}" }, "CLIENT_SECRET_PREVIOUS entry 2 has a character"],
      [{ client_keys: nil }, "CLIENT_KEYS is not set"]
    ].each do |change, start|
      error = assert_raises(ClientKeys::ConfigError) { ClientKeys::Verifier.new(secret: S1, client_keys: "", **change) }
      assert error.message.start_with?(start), error.message
      refute_includes error.message, bad
      refute_includes error.message, S1[0, 63]
    end
  end

  def test_from_env
    token = seal(secret: S1)
    env = { "CLIENT_SECRET" => S2, "CLIENT_SECRET_PREVIOUS" => S1, "CLIENT_KEYS" => K1 }
    assert_equal K1, ClientKeys::Verifier.from_env(env).verify(token).key_id
    assert_match(/\ACLIENT_SECRET is not set/, assert_raises(ClientKeys::ConfigError) { ClientKeys::Verifier.from_env({ "CLIENT_KEYS" => K1 }) }.message)
    assert_match(/\ACLIENT_KEYS is not set/, assert_raises(ClientKeys::ConfigError) { ClientKeys::Verifier.from_env({ "CLIENT_SECRET" => S1 }) }.message)
    assert_match(/\ACLIENT_KEYS is not valid UTF-8/,
                 assert_raises(ClientKeys::ConfigError) { ClientKeys::Verifier.from_env({ "CLIENT_SECRET" => S1, "CLIENT_KEYS" => "\xff".b }) }.message)
  end

  def test_nothing_shows_a_secret_or_a_token
    verifier = ClientKeys::Verifier.new(secret: S1, client_keys: K1, previous: S2)
    token = seal
    key = verifier.verify(token)
    derived = derive(S1, "client-keys/v1 client-key aes-256-gcm").unpack1("H*")
    [verifier.inspect, verifier.to_s, key.inspect, verifier.instance_variable_get(:@keyring).inspect].each do |text|
      [S1, S2, token, derived].each { |secret| refute_includes text, secret }
    end
  end
end
