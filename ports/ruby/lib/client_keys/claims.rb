# frozen_string_literal: true

module ClientKeys
  # The canonical claims encoding of docs/FORMAT.md: `tag (1) || length (1) || value`.
  module Claims
    TAG_EXPIRES_AT = 1
    TAG_NAME = 2
    TAG_SCOPE = 3
    TAG_METADATA = 4
    TAG_SESSION_ID = 5
    MAX_SCOPES = 16
    MAX_METADATA = 8
    MAX_EXPIRES_AT = 253_402_300_799 # 9999-12-31T23:59:59Z
    METADATA_KEY = /\A[A-Za-z0-9_.-]{1,32}\z/n.freeze
    CONTROL = /[\u0000-\u001f\u007f-\u009f]/.freeze # Unicode category Cc, exactly

    # Decoded claims; every field has its "absent" value by default.
    Decoded = Struct.new(:expires_at, :name, :scopes, :metadata, :session_id)

    # The claims are not a canonical encoding; the message says what is wrong.
    class Error < StandardError; end

    module_function

    # An RFC 6749 scope-token without `,` (bytes 0x21, 0x23-0x2B, 0x2D-0x5B, 0x5D-0x7E).
    def scope?(value)
      value.bytesize.between?(1, 32) &&
        value.each_byte.all? { |b| b == 0x21 || b.between?(0x23, 0x2B) || b.between?(0x2D, 0x5B) || b.between?(0x5D, 0x7E) }
    end

    # A session id: 1 to 64 visible ASCII bytes (0x21-0x7E).
    def session_id?(value)
      value.bytesize.between?(1, 64) && value.each_byte.all? { |b| b.between?(0x21, 0x7E) }
    end

    # Decodes `data` (a binary String), rejecting anything a minter would not write.
    def decode(data)
      claims = Decoded.new(nil, nil, [], {}, nil)
      last_tag = 0
      i = 0
      while i < data.bytesize
        len = data.getbyte(i + 1)
        raise Error, "truncated claim" if len.nil? || i + 2 + len > data.bytesize

        tag = data.getbyte(i)
        value = data.byteslice(i + 2, len)
        i += 2 + len
        raise Error, "claims out of order" if tag < last_tag || (tag == last_tag && tag != TAG_SCOPE && tag != TAG_METADATA)

        last_tag = tag
        case tag
        when TAG_EXPIRES_AT
          raise Error, "bad expiry length" unless len == 8

          at = value.unpack1("Q>")
          raise Error, "expiry out of range" unless at.between?(1, MAX_EXPIRES_AT)

          claims.expires_at = at
        when TAG_NAME
          raise Error, "bad name" if len.zero?

          claims.name = text(value, 64, "name")
        when TAG_SCOPE
          raise Error, "bad scope" unless scope?(value)
          raise Error, "scopes out of order" if claims.scopes.any? && claims.scopes.last.b >= value
          raise Error, "too many scopes" if claims.scopes.size == MAX_SCOPES

          claims.scopes << value.force_encoding(Encoding::UTF_8)
        when TAG_METADATA
          raise Error, "empty metadata" if len.zero?

          klen = value.getbyte(0)
          raise Error, "bad metadata length" if len - 1 < klen

          key = value.byteslice(1, klen)
          raise Error, "bad metadata key" unless METADATA_KEY.match?(key)
          raise Error, "metadata out of order" if claims.metadata.any? && claims.metadata.keys.last.b >= key
          raise Error, "too much metadata" if claims.metadata.size == MAX_METADATA

          claims.metadata[key.force_encoding(Encoding::UTF_8).freeze] = text(value.byteslice(1 + klen..), 128, "metadata")
        when TAG_SESSION_ID
          raise Error, "bad session id" unless session_id?(value)

          claims.session_id = value.force_encoding(Encoding::UTF_8)
        else
          raise Error, "unknown claim tag"
        end
      end
      claims
    end

    # UTF-8 of at most `max` bytes with no control character.
    def text(value, max, what)
      text = value.force_encoding(Encoding::UTF_8)
      raise Error, "#{what} is not UTF-8" unless text.valid_encoding?
      raise Error, "bad #{what}" if value.bytesize > max || CONTROL.match?(text)

      text.freeze
    end
  end
end
