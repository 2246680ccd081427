# frozen_string_literal: true

module ClientKeys
  # The one reader of comma-separated variables (CLIENT_SECRET_PREVIOUS, CLIENT_KEYS,
  # CLIENT_REVOKED_SESSIONS): entries trimmed as Rust's `str::trim` does, empty ones dropped.
  module Entries
    # What Rust's `str::trim` removes (Unicode White_Space), so that entries parse alike.
    WHITESPACE = "[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    TRIM = /\A#{WHITESPACE}+|#{WHITESPACE}+\z/.freeze

    module_function

    # Comma-separated text (or an Array): entries trimmed, empty ones dropped.
    def split(value)
      (value.is_a?(String) ? value.split(",", -1) : value).map { |e| e.gsub(TRIM, "") }.reject(&:empty?)
    end
  end
end
