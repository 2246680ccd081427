# frozen_string_literal: true

module ClientKeys
  # The `Authorization: Bearer` header (RFC 6750 §2.1, RFC 7235), read exactly as the Rust crate does.
  module Authorization
    TCHAR = /\A[!#$%&'*+\-.^_`|~0-9A-Za-z]\z/n.freeze
    B64TOKEN = /\A[\-._~+\/0-9A-Za-z]\z/n.freeze

    module_function

    # The token of an Authorization header value, or a VerifyError.
    #
    # `credentials = auth-scheme 1*SP token68`, the scheme in any case, spaces and tabs around
    # the value tolerated. Another scheme (or an empty value) is :not_bearer (answer 401 with a
    # bare challenge); `Bearer` with no token, two tokens, a tab, a control or non-ASCII
    # character is :invalid_header (400 invalid_request); a token longer than 512 is :malformed.
    def bearer_token(header_value)
      value = header_value.b.sub(/\A[ \t]+/n, "").sub(/[ \t]+\z/n, "")
      scheme, _, rest = value.partition(" ")
      unless scheme.casecmp?("bearer")
        bad = scheme.each_char.find { |c| !TCHAR.match?(c) }
        raise VerifyError.new(:not_bearer, "no bearer token in the Authorization header") if bad.nil?

        raise VerifyError.invalid_header(describe(bad, "the authorization scheme is not a valid token"))
      end
      token = rest.sub(/\A +/n, "")
      raise VerifyError.invalid_header("the Bearer scheme has no token") if token.empty?
      raise VerifyError.malformed("token is too long") if token.bytesize > MAX_TOKEN_LEN

      body = token.sub(/=+\z/n, "")
      raise VerifyError.invalid_header("the Bearer token is not a b64token") if body.empty?

      bad = body.each_char.find { |c| !B64TOKEN.match?(c) }
      raise VerifyError.invalid_header("more than one token after Bearer") if bad == " "
      raise VerifyError.invalid_header(describe(bad, "the Bearer token is not a b64token")) if bad

      token.force_encoding(Encoding::US_ASCII)
    end

    def describe(bad, otherwise)
      byte = bad.ord
      if byte == 0x09 then "a tab in the Authorization header"
      elsif byte < 0x20 || byte == 0x7F then "a control character in the Authorization header"
      elsif byte >= 0x80 then "a non-ASCII character in the Authorization header"
      else otherwise
      end
    end
  end
end
