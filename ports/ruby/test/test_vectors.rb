# frozen_string_literal: true

require_relative "helper"

# Every case of tests/vectors/*.json, valid and invalid.
class VectorsTest < Minitest::Test
  include TestTokens

  def test_valid_vectors_verify_to_their_claims
    vector_files.each do |kind, doc|
      doc["valid"].each do |c|
        verifier = ClientKeys::Verifier.new(secret: c["verifier_secret"] || c["secret"], client_keys: c["key_id"],
                                            previous: c["previous_secrets"], revoked_sessions: c["revoked_sessions"])
        key = verifier.verify(c["token"], now: c["now"])
        claims = c["claims"]
        assert_equal [kind, c["key_id"], claims["expires_at"], claims["name"], claims["scopes"], claims["metadata"],
                      claims["session_id"]],
                     [key.kind, key.key_id, key.expires_at, key.name, key.scopes, key.metadata, key.session_id],
                     c["desc"]
        assert_equal claims["metadata"].keys, key.metadata.keys, c["desc"]
      end
    end
  end

  def test_invalid_vectors_fail_for_their_stated_reason
    count = 0
    vector_files.each do |_, doc|
      doc["invalid"].each do |c|
        verifier = ClientKeys::Verifier.new(secret: c["secret"], client_keys: c["client_keys"],
                                            previous: c["previous_secrets"], revoked_sessions: c["revoked_sessions"])
        error = assert_raises(ClientKeys::VerifyError, c["desc"]) { verifier.verify(c["token"], now: c["now"]) }
        assert_equal c["error"], error.reason.to_s, c["desc"]
        refute_includes error.message, c["token"], c["desc"] if c["token"].size > 8
        count += 1
      end
    end
    assert_operator count, :>, 20
  end

  def test_the_vectors_cover_the_lifetime_cap_and_revoked_sessions
    cases = vector_files.flat_map { |_, doc| doc["valid"] + doc["invalid"] }
    assert(cases.any? { |c| c["revoked_sessions"] })
    assert(cases.any? { |c| c["error"] == "session_revoked" })
  end
end
