# frozen_string_literal: true

require "date"

module ClientKeys
  # `CLIENT_REVOKED_SESSIONS` (docs/FORMAT.md, "Revoked sessions"): sessions whose access tokens
  # are refused while their parent key stays in CLIENT_KEYS.
  #
  # An entry is `KEY_ID[:SESSION_ID]@UNTIL`: the parent's key id (32 hex, either case), the
  # session id percent-encoded (only `A-Z a-z 0-9 - . _ ~` and `%XX` written as they are; absent
  # for the tokens minted without a session id), and `YYYY-MM-DDTHH:MM:SSZ`, after which the entry
  # can be pruned. A listed session is refused whatever its UNTIL.
  #
  #   list = ClientKeys::RevokedSessions.parse("3f2a…1c3e:tab%237@2027-01-16T08:01:00Z")
  #   list.include?("3f2a…1c3e", "tab#7")   # => true
  class RevokedSessions
    KEY_ID = /\A\h{32}\z/.freeze
    ENCODED_SESSION = /\A(?:[A-Za-z0-9._~-]|%\h\h)+\z/.freeze
    UNTIL = /\A([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z\z/.freeze
    PROBLEMS = {
      form: "is not of the form KEY_ID[:SESSION_ID]@UNTIL",
      key_id: "has a key id that is not 32 hexadecimal characters",
      session_id: "has a session id that is not 1 to 64 visible ASCII characters, percent-encoded " \
                  "except for A-Z a-z 0-9 - . _ ~",
      until: "has an UNTIL time that is not YYYY-MM-DDTHH:MM:SSZ (UTC)"
    }.freeze
    FIX = "write entries with `issue-client-key revoke <access token>` or " \
          "`issue-client-key revoke --session SESSION_ID KEY_ID`"
    EMPTY_SESSIONS = [].freeze

    # The list in the text of CLIENT_REVOKED_SESSIONS (or an Array of its entries; nil is empty).
    # Raises ConfigError naming the first entry that does not parse by its position (1-based,
    # among the non-empty entries), never its value: the whole list is refused, so that a typo
    # cannot bring a revoked session back.
    def self.parse(value)
      pairs = Entries.split(value || []).each_with_index.map do |entry, i|
        key_id, session_id, = parse_entry(entry)
        [key_id, session_id]
      rescue ArgumentError => e
        raise ConfigError, "CLIENT_REVOKED_SESSIONS entry #{i + 1} #{e.message}: #{FIX}"
      end
      new(pairs)
    end

    # [key id in lower case, session id or nil, until in unix seconds] of one entry; raises
    # ArgumentError saying what is wrong (never the value).
    def self.parse_entry(text)
      head, at, until_text = text.rpartition("@")
      raise ArgumentError, PROBLEMS[:form] if at.empty?

      key_id, colon, encoded = head.partition(":")
      raise ArgumentError, PROBLEMS[:key_id] unless KEY_ID.match?(key_id)

      session_id = colon.empty? ? nil : decode_session(encoded)
      [key_id.downcase, session_id, parse_until(until_text)]
    end

    # Only unreserved characters and `%XX` escapes; `+` is not a space (nor allowed raw).
    def self.decode_session(encoded)
      raise ArgumentError, PROBLEMS[:session_id] unless ENCODED_SESSION.match?(encoded)

      raw = encoded.b.gsub(/%(\h\h)/n) { [Regexp.last_match(1)].pack("H2") }
      raise ArgumentError, PROBLEMS[:session_id] unless Claims.session_id?(raw)

      raw.force_encoding(Encoding::UTF_8).freeze
    end

    # `YYYY-MM-DDTHH:MM:SSZ`, a date and time that exist, from 1970 to 9999.
    def self.parse_until(text)
      parts = UNTIL.match(text)&.captures&.map(&:to_i)
      raise ArgumentError, PROBLEMS[:until] if parts.nil? || parts[0] < 1970 || parts[3] > 23 || parts[4] > 59 ||
                                               parts[5] > 59 || !Date.valid_date?(*parts[0, 3])

      Time.utc(*parts).to_i
    end
    private_class_method :decode_session, :parse_until

    # `pairs`: [key id (lower-case hex), session id or nil], already checked.
    def initialize(pairs = [])
      by_parent = Hash.new { |hash, key| hash[key] = [] }
      pairs.each { |key_id, session_id| by_parent[key_id.downcase] << session_id }
      @by_parent = by_parent.transform_values { |sessions| sessions.uniq.freeze }.freeze
      @size = pairs.size
      freeze
    end

    attr_reader :size

    def empty?
      @size.zero?
    end

    # Whether the session `session_id` (nil: tokens minted without one) of the parent `key_id`
    # (lower-case hex) is listed: one hash probe, then that parent's few sessions.
    def include?(key_id, session_id)
      return false if @by_parent.empty?

      @by_parent.fetch(key_id, EMPTY_SESSIONS).include?(session_id)
    end

    def inspect
      "#<ClientKeys::RevokedSessions #{@size} entries>"
    end
    alias to_s inspect
  end
end
