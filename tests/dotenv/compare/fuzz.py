"""Differential fuzzing: random .env files, read by the real readers and by the Rust reader.

    python3 tests/dotenv/compare/fuzz.py [COUNT] [SEED]

Writes COUNT random files (statement-shaped lines built from the characters that matter)
to a temporary corpus/, has gen_expected.py record what the reference readers read, then
runs the corpus test of the library (src/config/dotenv/corpus.rs) on them (DOTENV_READER_ROOT). No `(`: Ruby's dotenv
runs `$(...)` as a shell command.
"""
import os
import random
import subprocess
import sys
import tempfile

import gen_expected

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ["A", "B", "CLIENT_KEYS", "a.b", "my-key", "_X", "9", "export"]
SEPS = ["=", "=", "=", " = ", "\t=", "= ", ": ", " ", ""]
PIECES = ["abc", "x y", " ", "\t", "#", " #", "# c", "'", "\"", "\\", "\\\\", "\\'", "\\\"", "\\n",
          "$", "$A", "${A}", "{", "}", "\n", "\r\n", "\r", "é", "\u00a0", "\x0c", "\x00", "=", ",", "-",
          "\nexport ", "\nB=", "\n'A'=", "\\$", ":"]


def line(rng):
    head = rng.choice(["", "", "", "export ", "  ", "# ", "\t"])
    value = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6)))
    return head + rng.choice(NAMES) + rng.choice(SEPS) + value


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    with tempfile.TemporaryDirectory() as root:
        corpus = os.path.join(root, "corpus")
        os.makedirs(corpus)
        for i in range(count):
            text = "\n".join(line(rng) for _ in range(rng.randint(1, 6)))
            if rng.random() < 0.05:
                text = "\ufeff" + text
            with open(os.path.join(corpus, "f%05d.env" % i), "w", encoding="utf-8", newline="") as f:
                f.write(text + rng.choice(["\n", "", "\r\n"]))
        gen_expected.main(corpus, os.path.join(root, "expected"), quiet=True)
        env = dict(os.environ, DOTENV_READER_ROOT=root)
        run = subprocess.run(["cargo", "test", "--offline", "-q", "--all-features", "--lib",
                              "config::dotenv::corpus::corpus_matches", "--", "--nocapture"],
                             cwd=os.path.join(HERE, "..", "..", ".."), env=env, capture_output=True, text=True)
        for out in (run.stdout + run.stderr).splitlines():
            if "files:" in out or "failures" in out or out.startswith(("f0", "f1", "f2")) and "refused:" not in out:
                print(out)
        if run.returncode:
            keep = os.path.join(HERE, ".fuzz-failed")
            subprocess.run(["rm", "-rf", keep])
            subprocess.run(["cp", "-r", root, keep])
            print("inputs kept in", keep)
        sys.exit(run.returncode)


if __name__ == "__main__":
    main()
