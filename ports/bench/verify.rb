# frozen_string_literal: true

# client-keys verification of a plain key vs ruby-jwt HS256 decode (+ allowlist lookup),
# in interleaved rounds; prints the median time of each and the median per-round ratio.
$LOAD_PATH.unshift(File.expand_path("../ruby/lib", __dir__))
require "client_keys"
require "json"
require "jwt"

ROUNDS = Integer(ENV.fetch("ROUNDS", "200"))
vector = JSON.parse(File.read(File.expand_path("../../tests/vectors/client_key_v1.json", __dir__)))["valid"][0]
key_id = vector["key_id"]
ids = [key_id, "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e", "0" * 32]
verifier = ClientKeys::Verifier.new(secret: vector["secret"], client_keys: ids.join(","))
token = vector["token"]
hmac_key = [vector["secret"]].pack("H*")
jwt = JWT.encode({ "key_id" => key_id }, hmac_key, "HS256")
allowlist = ids.to_h { |id| [id, true] }

cases = {
  "client-keys verify (plain key)" => -> { raise "refused" unless verifier.verify(token).key_id == key_id },
  "ruby-jwt #{JWT::VERSION::STRING} HS256 decode + lookup" => lambda {
    payload, = JWT.decode(jwt, hmac_key, true, algorithm: "HS256")
    raise "refused" unless allowlist.key?(payload["key_id"])
  }
}
clock = -> { Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond) }
cases.each_value { |f| 300.times { f.call } } # warm up
# Iterations per batch: about 2 ms of each function.
n = cases.transform_values { |f| t = clock.call; 200.times { f.call }; [(2e6 / ((clock.call - t) / 200.0)).ceil, 1].max }
times = cases.keys.to_h { |name| [name, []] }
ROUNDS.times do
  cases.each do |name, f|
    t = clock.call
    n[name].times { f.call }
    times[name] << (clock.call - t) / n[name].to_f
  end
end
median = ->(xs) { s = xs.sort; s[s.size / 2] }
quartiles = ->(xs) { s = xs.sort; [s[s.size / 4], s[s.size * 3 / 4]] }
ck, jw = times.values
ratios = jw.zip(ck).map { |j, c| j / c }
times.each { |name, xs| puts format("ruby    %-48s %9.2f us/op", name, median.call(xs) / 1000) }
puts format("ruby    JWT / client-keys = %.2fx (interquartile range %.2f-%.2f, %d rounds)",
            median.call(ratios), *quartiles.call(ratios), ROUNDS)
