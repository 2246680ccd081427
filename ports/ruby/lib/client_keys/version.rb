# frozen_string_literal: true

module ClientKeys
  VERSION = "0.1.0"
end
