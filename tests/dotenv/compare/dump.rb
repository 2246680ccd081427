# Print what Ruby's dotenv reads from one .env file, as JSON.
#
#     ruby [-I compare/ruby/dotenv-3.2.0/lib] dump.rb FILE...
#
# Reads the file as `Dotenv::Environment` does ("rb:bom|utf-8": a BOM is dropped) and parses
# it with `Dotenv::Parser` as `Dotenv.load` (what dotenv-rails calls) does: is_load = true in
# 2.x, overwrite: false in 3.x. Interpolation ($VAR, ${VAR}, $(cmd)) is on, as by default;
# ENV is read, never written. Output, one line per file: {"file": ..., "reader": ...,
# "values": {name: value}} in file order, or {"file": ..., "reader": ..., "error": ...} when
# the parser raises.
require "json"
require "dotenv/version"
require "dotenv/parser"

reader = "ruby dotenv #{Dotenv::VERSION}"
ARGV.each do |path|
  content = File.open(path, "rb:bom|utf-8", &:read)
  begin
    values =
      if Gem::Version.new(Dotenv::VERSION) >= Gem::Version.new("3.0.0")
        Dotenv::Parser.call(content, overwrite: false)
      else
        Dotenv::Parser.call(content, true)
      end
    out = {file: path, reader: reader, values: values}
  rescue StandardError, SyntaxError => e # Dotenv::FormatError is a SyntaxError
    out = {file: path, reader: reader, error: e.class.name}
  end
  puts JSON.generate(out)
end
