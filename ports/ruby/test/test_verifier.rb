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
    access = seal(:access_token, claims: claims(expires_at: SOON))
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
    access = seal(:access_token, key_id: K2, claims: claims(expires_at: SOON))
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
    assert_equal session, verifier.verify(seal(:access_token, claims: claims(expires_at: SOON, session_id: session))).session_id
    [[:client_key, claims(session_id: "s")], [:access_token, claims(scopes: ["read"])],
     [:access_token, claims(expires_at: SOON, name: "n")], [:access_token, claims(expires_at: SOON, metadata: [%w[k v]])],
     [:access_token, claims(expires_at: SOON, session_id: "a b")],
     [:access_token, claims(expires_at: SOON, session_id: "s" * 65)]].each do |kind, raw|
      assert_equal :malformed, reason(verifier, seal(kind, claims: raw)), raw.inspect
    end
  end

  NOW = 1_800_000_000 # 2027-01-15T08:00:00Z
  UNTIL = "2027-01-16T08:01:00Z"

  def access(expires_at = NOW + 3600, key_id: K1, session_id: nil)
    seal(:access_token, key_id: key_id, claims: claims(expires_at: expires_at, session_id: session_id))
  end

  def test_the_access_token_lifetime_cap_is_24_hours_and_60_seconds_by_default
    last = access(NOW + 86_400 + 60)
    assert_equal NOW + 86_460, verifier.verify(last, now: NOW).expires_at
    error = assert_raises(ClientKeys::VerifyError) { verifier.verify(access(NOW + 86_461), now: NOW) }
    assert_equal [:malformed, "malformed token: an access token expires later than this server's longest access-token lifetime"],
                 [error.reason, error.message]
    assert_equal :malformed, reason(verifier, access(253_402_300_799), now: NOW)
    assert_equal :malformed, reason(verifier, last, now: NOW - 1)
    assert_equal :malformed, reason(verifier, access(FAR)) # at the real clock: sealed for 2100, dead now
    assert_equal SOON, verifier.verify(access(SOON)).expires_at
  end

  def test_a_client_key_has_no_lifetime_cap
    [verifier, verifier(max_access_ttl: 1)].each do |v|
      assert_equal FAR, v.verify(seal(claims: claims(expires_at: FAR))).expires_at
      assert_equal 253_402_300_799, v.verify(seal(claims: claims(expires_at: 253_402_300_799)), now: NOW).expires_at
    end
  end

  def test_a_lower_max_access_ttl
    [3600, 3600.9, 3600r].each do |ttl|
      assert_equal K1, verifier(max_access_ttl: ttl).verify(access(NOW + 3660), now: NOW).key_id
      assert_equal :malformed, reason(verifier(max_access_ttl: ttl), access(NOW + 3661), now: NOW)
    end
    # Clamped to 1..86400: it can lower the cap, never raise it.
    [[0, NOW + 61], [-5, NOW + 61], [10**9, NOW + 86_460]].each do |ttl, latest|
      assert_equal :accepted, reason(verifier(max_access_ttl: ttl), access(latest), now: NOW), ttl
      assert_equal :malformed, reason(verifier(max_access_ttl: ttl), access(latest + 1), now: NOW), ttl
    end
    ["3600", nil].each { |bad| assert_raises(TypeError) { verifier(max_access_ttl: bad) } }
    env = { "CLIENT_SECRET" => S1, "CLIENT_KEYS" => K1 }
    assert_equal :malformed, reason(ClientKeys::Verifier.from_env(env, max_access_ttl: 60), access(NOW + 121), now: NOW)
    assert_includes verifier(max_access_ttl: 3600).inspect, "max_access_ttl=3600"
  end

  def test_the_cap_comes_after_kind_and_expiry_and_before_the_allowlist
    too_long = access(NOW + 86_461, key_id: K2)
    assert_equal :malformed, reason(verifier, too_long, now: NOW)
    assert_equal :wrong_kind, reason(verifier(kinds: [:client_key]), too_long, now: NOW)
    assert_equal :expired, reason(verifier, too_long, now: NOW + 86_461)
    assert_equal :malformed, reason(verifier(revoked_sessions: revoked_entry(K1)), access(NOW + 86_461), now: NOW)
  end

  def test_one_revoked_session_of_a_parent_is_refused_and_the_rest_accepted
    v = verifier("#{K1}, #{K2}", revoked_sessions: "#{K1}:tab-1@#{UNTIL}")
    error = assert_raises(ClientKeys::VerifyError) { v.verify(access(session_id: "tab-1"), now: NOW) }
    assert_equal [:session_revoked, K1, %(session "tab-1" of key_id #{K1} is revoked (CLIENT_REVOKED_SESSIONS))],
                 [error.reason, error.key_id, error.message]
    assert_equal "tab-2", v.verify(access(session_id: "tab-2"), now: NOW).session_id
    assert_nil v.verify(access, now: NOW).session_id # the default session
    assert_equal K1, v.verify(seal).key_id # the parent itself
    assert_equal K2, v.verify(access(key_id: K2, session_id: "tab-1"), now: NOW).key_id
    %w[TAB-1 tab- tab-10].each { |near| assert_equal :accepted, reason(v, access(session_id: near), now: NOW), near }
  end

  def test_the_default_session_is_listed_without_a_session_id
    v = verifier(revoked_sessions: " ,#{K1.upcase}@#{UNTIL},, ")
    error = assert_raises(ClientKeys::VerifyError) { v.verify(access, now: NOW) }
    assert_equal [:session_revoked, "the access tokens minted without a session id for key_id #{K1} are revoked " \
                                    "(CLIENT_REVOKED_SESSIONS)"], [error.reason, error.message]
    assert_equal "s", v.verify(access(session_id: "s"), now: NOW).session_id
    assert_equal K1, v.verify(seal).key_id # client keys are never looked up
  end

  def test_a_listed_session_is_refused_whatever_its_until
    v = verifier(revoked_sessions: "#{K1}:s@1970-01-01T00:00:00Z")
    assert_equal :session_revoked, reason(v, access(session_id: "s"), now: NOW)
  end

  def test_the_allowlist_and_expiry_come_before_revoked_sessions
    v = verifier(revoked_sessions: "#{K2}:s@#{UNTIL}, #{K1}:s@#{UNTIL}")
    assert_equal :key_not_allowed, reason(v, access(key_id: K2, session_id: "s"), now: NOW)
    assert_equal :expired, reason(v, access(session_id: "s"), now: NOW + 3600)
    assert_equal :wrong_kind, reason(verifier(revoked_sessions: "#{K1}:s@#{UNTIL}", kinds: [:client_key]),
                                     access(session_id: "s"), now: NOW)
  end

  def test_escaped_session_ids
    every = (0x21..0x7e).map(&:chr).join
    ["a,b#c$d%e", 'q"\\', "tab#7,a", "+plus", every[0, 64], every[-64..], "%41", "~"].each do |session|
      v = verifier(revoked_sessions: revoked_entry(K1, session))
      assert_equal :session_revoked, reason(v, access(session_id: session), now: NOW), session
      other = session.size > 1 ? session[0...-1] : "#{session}x"
      assert_equal :accepted, reason(v, access(session_id: other), now: NOW), session
    end
    # Escapes in either case, and escapes that were not needed.
    v = verifier(revoked_sessions: "#{K1}:a%2cb%23c%24d%25%65@#{UNTIL}")
    assert_equal :session_revoked, reason(v, access(session_id: "a,b#c$d%e"), now: NOW)
    # `%2B` is a plus, never a space (and a raw `+` is not allowed: see the bad entries).
    v = verifier(revoked_sessions: "#{K1}:a%2Bb@#{UNTIL}")
    assert_equal :session_revoked, reason(v, access(session_id: "a+b"), now: NOW)
  end

  def test_revoked_sessions_as_a_list_of_entries_or_a_parsed_list
    [["#{K1}:s@#{UNTIL}", " "], ClientKeys::RevokedSessions.parse("#{K1}:s@#{UNTIL}")].each do |value|
      assert_equal :session_revoked, reason(verifier(revoked_sessions: value), access(session_id: "s"), now: NOW)
    end
    assert_equal 3, ClientKeys::RevokedSessions.parse("#{K1}:s@#{UNTIL}, #{K1}@#{UNTIL}, #{K2}@#{UNTIL}").size
    [nil, "", " , ", []].each { |empty| assert ClientKeys::RevokedSessions.parse(empty).empty? }
  end

  def test_a_bad_revoked_session_refuses_the_whole_list_naming_its_position
    {
      K1 => "is not of the form", "#{K1}:s" => "is not of the form",
      "#{K1[1..]}:s@#{UNTIL}" => "has a key id", "#{K1}0@#{UNTIL}" => "has a key id", "xyz:s@#{UNTIL}" => "has a key id",
      ":s@#{UNTIL}" => "has a key id",
      "#{K1}:@#{UNTIL}" => "has a session id", "#{K1}:a b@#{UNTIL}" => "has a session id",
      "#{K1}:a#b@#{UNTIL}" => "has a session id", "#{K1}:a$b@#{UNTIL}" => "has a session id",
      "#{K1}:a+b@#{UNTIL}" => "has a session id", "#{K1}:a@b@#{UNTIL}" => "has a session id",
      "#{K1}:a%2@#{UNTIL}" => "has a session id", "#{K1}:a%zz@#{UNTIL}" => "has a session id",
      "#{K1}:%20@#{UNTIL}" => "has a session id", "#{K1}:%7F@#{UNTIL}" => "has a session id",
      "#{K1}:%C3%A9@#{UNTIL}" => "has a session id", "#{K1}:\u00e9@#{UNTIL}" => "has a session id",
      "#{K1}:#{'s' * 65}@#{UNTIL}" => "has a session id", "#{K1}:#{'%41' * 65}@#{UNTIL}" => "has a session id",
      "#{K1}:s@2027-01-16" => "has an UNTIL time", "#{K1}:s@1800086460" => "has an UNTIL time",
      "#{K1}:s@" => "has an UNTIL time", "#{K1}:s@2027-02-29T00:00:00Z" => "has an UNTIL time",
      "#{K1}:s@2027-04-31T00:00:00Z" => "has an UNTIL time", "#{K1}:s@2027-01-01T24:00:00Z" => "has an UNTIL time",
      "#{K1}:s@2027-01-01T00:00:60Z" => "has an UNTIL time", "#{K1}:s@2027-01-16t08:01:00Z" => "has an UNTIL time",
      "#{K1}:s@2027-01-16T08:01:00z" => "has an UNTIL time", "#{K1}:s@2027-01-16T08:01:00+00:00" => "has an UNTIL time",
      "#{K1}:s@1969-12-31T23:59:59Z" => "has an UNTIL time", "#{K1}:s@\u0662027-01-16T08:01:00Z" => "has an UNTIL time"
    }.each do |entry, problem|
      error = assert_raises(ClientKeys::ConfigError, entry) do
        verifier(revoked_sessions: " #{K2}@#{UNTIL} ,, #{entry} , #{K1}@#{UNTIL}")
      end
      assert error.message.start_with?("CLIENT_REVOKED_SESSIONS entry 2 #{problem}"), "#{entry}: #{error.message}"
      refute_includes error.message, entry
    end
    assert_equal 2, ClientKeys::RevokedSessions.parse("#{K1}:s@2028-02-29T23:59:59Z,#{K1}:s@9999-12-31T23:59:59Z").size
  end

  def test_from_env_reads_client_revoked_sessions
    env = { "CLIENT_SECRET" => S1, "CLIENT_KEYS" => K1, "CLIENT_REVOKED_SESSIONS" => "#{K1}:tab%2D1@#{UNTIL}" }
    v = ClientKeys::Verifier.from_env(env)
    assert_equal :session_revoked, reason(v, access(session_id: "tab-1"), now: NOW)
    assert_equal :accepted, reason(v, access(session_id: "tab-2"), now: NOW)
    assert_includes v.inspect, "revoked_sessions=1"
    assert_match(/\ACLIENT_REVOKED_SESSIONS entry 1 has a key id/,
                 assert_raises(ClientKeys::ConfigError) { ClientKeys::Verifier.from_env(env.merge("CLIENT_REVOKED_SESSIONS" => "nope@#{UNTIL}")) }.message)
    assert_match(/\ACLIENT_REVOKED_SESSIONS is not valid UTF-8/,
                 assert_raises(ClientKeys::ConfigError) { ClientKeys::Verifier.from_env(env.merge("CLIENT_REVOKED_SESSIONS" => "\xff".b)) }.message)
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
