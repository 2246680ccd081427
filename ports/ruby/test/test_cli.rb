# frozen_string_literal: true

require_relative "helper"
require "open3"
require "rbconfig"

# The command-line driver, as an operator (and the conformance suite) runs it.
class CliTest < Minitest::Test
  include TestTokens

  DRIVER = File.expand_path("../bin/client-keys-verify", __dir__)
  ENV_VARS = { "CLIENT_SECRET" => S1, "CLIENT_KEYS" => "#{K1}, #{K2}", "CLIENT_SECRET_PREVIOUS" => nil }.freeze

  def run_driver(*args, env: ENV_VARS, stdin: "")
    out, err, status = Open3.capture3(env, RbConfig.ruby, DRIVER, *args, stdin_data: stdin, binmode: true)
    [status.exitstatus, out.force_encoding(Encoding::UTF_8), err.force_encoding(Encoding::UTF_8)]
  end

  def test_prints_the_key_as_issue_client_key_verify_does
    every_claim = vector_files.flat_map { |_, doc| doc["valid"] }.find { |c| c["desc"] == "every claim" }
    expected = '{"expires_at":"2100-01-01T00:00:00Z","key_id":"00112233445566778899aabbccddeeff",' \
               '"kind":"client_key","metadata":{"env":"prod","team":"payments"},' \
               "\"name\":\"Billing worker \u2713\",\"scopes\":[\"read\",\"write\"]}\n"
    assert_equal [0, expected, ""], run_driver(every_claim["token"], env: ENV_VARS.merge("CLIENT_SECRET" => every_claim["secret"]))
    access = seal(:access_token, key_id: K2, claims: claims(expires_at: SOON, scopes: ["a"], session_id: 'q"\\'))
    assert_equal %({"expires_at":"#{Time.at(SOON).utc.strftime('%Y-%m-%dT%H:%M:%SZ')}",) +
                 '"key_id":"3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e",' \
                 '"kind":"access_token","metadata":{},"name":null,"scopes":["a"],"session_id":"q\\"\\\\"}' + "\n",
                 run_driver(access)[1]
  end

  def test_reads_the_first_line_of_stdin
    token = seal
    [[], ["-"]].each do |args|
      code, out, = run_driver(*args, stdin: " \t#{token}\r\nsecond line\n")
      assert_equal [0, K1], [code, JSON.parse(out)["key_id"]]
    end
    assert_equal 2, run_driver(stdin: "\n")[0]
    assert_equal 0, run_driver("  #{token}\n")[0]
    assert_equal 1, run_driver("#{token}\u00a0")[0] # only ASCII whitespace is trimmed
  end

  def test_a_refused_token_exits_1_with_one_line
    [[seal(secret: S2), "token was minted under a secret"], [seal(claims: claims(expires_at: 1)), "token of key_id"],
     ["ckey_#{'A' * 101}", "malformed token: token is not canonical"]].each do |token, reason|
      code, out, err = run_driver(token)
      assert_equal [1, ""], [code, out]
      assert err.start_with?("client-keys-verify: token rejected: #{reason}"), err
      assert_equal 1, err.count("\n")
      refute_includes err, token[5..]
    end
  end

  def test_configuration_errors_exit_2_naming_the_variable
    bad = "x#{S1[1..]}"
    code, out, err = run_driver(seal, env: ENV_VARS.merge("CLIENT_SECRET" => bad))
    assert_equal [2, ""], [code, out]
    assert_includes err, "CLIENT_SECRET has a character that is not hexadecimal at position 1"
    refute_includes err, bad
    assert_includes run_driver(seal, env: ENV_VARS.merge("CLIENT_KEYS" => nil))[2], "CLIENT_KEYS is not set"
    assert_equal 2, run_driver(seal, env: ENV_VARS.merge("CLIENT_SECRET" => nil))[0]
    bad = "not-an-entry"
    code, out, err = run_driver(seal, env: ENV_VARS.merge("CLIENT_REVOKED_SESSIONS" => "#{revoked_entry(K1)}, #{bad}"))
    assert_equal [2, ""], [code, out]
    assert_includes err, "CLIENT_REVOKED_SESSIONS entry 2 is not of the form KEY_ID[:SESSION_ID]@UNTIL"
    refute_includes err, bad
  end

  def test_reads_client_revoked_sessions
    env = ENV_VARS.merge("CLIENT_REVOKED_SESSIONS" => revoked_entry(K1, 'q"\\'))
    revoked = seal(:access_token, claims: claims(expires_at: SOON, session_id: 'q"\\'))
    assert_equal [1, "", %(client-keys-verify: token rejected: session "q\\"\\\\" of key_id #{K1} is revoked ) +
                         "(CLIENT_REVOKED_SESSIONS)\n"], run_driver(revoked, env: env)
    assert_equal 0, run_driver(seal, env: env)[0] # the parent itself
  end

  def test_batch_mode
    at = 2_000_000_000
    lines = [{ token: seal }, { token: seal(claims: claims(expires_at: at)), now: at },
             { token: seal(claims: claims(expires_at: at)), now: at - 1 }, { token: seal, kinds: ["access_token"] },
             { token: "nope" },
             { token: seal(:access_token, claims: claims(expires_at: at)), now: at - 3661, max_access_ttl: 3600 }]
    code, out, = run_driver("--batch", stdin: lines.map { |l| "#{JSON.generate(l)}\n" }.join + "{}\n")
    results = out.lines.map { |l| JSON.parse(l) }
    assert_equal 0, code
    assert_equal [true, false, true, false, false, false, false], results.map { |r| r["ok"] }
    assert_equal [nil, "expired", nil, "wrong_kind", "malformed", "malformed", "bad_input"], results.map { |r| r["reason"] }
    assert_equal %({"ok":true,"key":#{run_driver(seal)[1].strip}}), out.lines[0].strip
  end
end
