"""The library's .env reader against the python-dotenv and Ruby dotenv installed on this machine.

    python3 tests/dotenv/compare/live.py        # from anywhere; tests/dotenv/ci.sh installs them

For every file in tests/dotenv/corpus/: wherever the library's reader gives a value (the last
statement naming it is read), each installed reader must give the same value. Refusals are
allowed: the library may refuse what a reader reads. A reader that raises on a file reads
nothing from it; the library must then report at least one line of it unreadable.

One known exception: Debian's ruby-dotenv (2.4.x, before 2.5) splits the file into lines before
parsing, so it reads no multi-line value; those values are not compared with it (listed at the
end). Rails apps get dotenv from RubyGems (2.8, 3.x), which reads them; gen_expected.py compares
with those when their parsers are present.

The readers run with an environment holding only PATH and LANG (as gen_expected.py runs them),
so `${HOME}` means the same everywhere. DOTENV_PYTHON names the python that has python-dotenv
(default: python3). Both readers must be installed. The last line printed is "N passed, M failed";
the exit status is 1 if M > 0.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CORPUS = os.path.join(HERE, "..", "corpus")


def library_reader():
    """{file: {"values": {name: value}, "unreadable": [line, ...]}} from the Rust reader."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "dump.json")
        env = dict(os.environ, DOTENV_DUMP=out)
        env.pop("DOTENV_READER_ROOT", None)
        run = subprocess.run(
            ["cargo", "test", "-q", "--all-features", "--lib",
             "config::dotenv::corpus::dump_for_live_comparison", "--", "--ignored", "--exact"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if run.returncode or not os.path.exists(out):
            sys.stderr.write(run.stdout + run.stderr)
            sys.exit("live.py: the library's reader could not be run")
        with open(out, encoding="utf-8") as f:
            return json.load(f)


def readers():
    """[(name, command, installed)] for python-dotenv and Ruby's dotenv."""
    python = os.environ.get("DOTENV_PYTHON", "python3")
    found = []
    for name, probe, command in [
        ("python-dotenv", [python, "-c", "import dotenv"], [python, os.path.join(HERE, "dump.py")]),
        ("Ruby dotenv", ["ruby", "-e", 'require "dotenv/version"; require "dotenv/parser"'],
         ["ruby", os.path.join(HERE, "dump.rb")]),
    ]:
        try:
            ok = subprocess.run(probe, capture_output=True, stdin=subprocess.DEVNULL).returncode == 0
        except FileNotFoundError:
            ok = False
        found.append((name, command, ok))
    return found


def run_reader(command, paths):
    """{file name: {"reader": ..., "values": {...}} or {"reader": ..., "error": ...}}."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    out = subprocess.run(command + paths, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, check=True).stdout
    results = {}
    for line in out.splitlines():
        obj = json.loads(line)
        results[os.path.basename(obj.pop("file"))] = obj
    return results


def reads_no_multi_line_values(version):
    """Ruby dotenv before 2.5 (Debian's ruby-dotenv 2.4.0) splits the file on line breaks first."""
    if not version.startswith("ruby dotenv "):
        return False
    try:
        major, minor = (int(p) for p in version.split()[-1].split(".")[:2])
    except ValueError:
        return False
    return (major, minor) < (2, 5)


def main():
    files = sorted(os.listdir(CORPUS))
    paths = [os.path.join(CORPUS, f) for f in files]
    ours = library_reader()
    passed, failed, not_compared = 0, [], []
    for name, command, installed in readers():
        if not installed:
            failed.append("%s is not installed (tests/dotenv/ci.sh installs it)" % name)
            continue
        results = run_reader(command, paths)
        versions = sorted({r["reader"] for r in results.values()})
        print("%s: %s" % (name, ", ".join(versions)))
        for file in files:
            got, mine = results[file], ours[file]
            if "error" in got:
                # The reader loads nothing from this file: the library must show why.
                if mine["unreadable"]:
                    passed += 1
                else:
                    failed.append("%s: %s raises (%s) but the library reads every line"
                                  % (file, got["reader"], got["error"]))
                continue
            for key, value in mine["values"].items():
                theirs = got["values"].get(key, "<not defined>")
                if theirs == value:
                    passed += 1
                elif "\n" in value and reads_no_multi_line_values(got["reader"]):
                    not_compared.append("%s %s" % (file, key))
                else:
                    failed.append("%s: %s: library %s, %s %s"
                                  % (file, key, json.dumps(value, ensure_ascii=False), got["reader"],
                                     json.dumps(theirs, ensure_ascii=False)))
    for failure in failed:
        print("FAILED " + failure)
    if not_compared:
        print("multi-line values not compared with Ruby dotenv before 2.5 (it reads none): "
              + ", ".join(not_compared))
    print("%d passed, %d failed" % (passed, len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
