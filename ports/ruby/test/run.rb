# frozen_string_literal: true

# Runs every test: `ruby ports/ruby/test/run.rb` (needs Debian's ruby-minitest and ruby-rack).
Dir[File.join(__dir__, "test_*.rb")].sort.each { |file| require file }
