"""The reference readers, and how to run them (shared by gen_expected.py and probe.py).

Each reader is a command that takes .env paths and prints one JSON line per file (dump.py,
dump.rb). All run with an empty environment (only PATH), so interpolation of a name the
file does not define gives the same result on every machine.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PY = os.path.join(HERE, ".py")  # pip --target installs, made by ensure_python()

# name -> (command prefix, extra environment). Order matters only for display.
# CONSENSUS: the readers whose agreement the Rust reader must match: the newest and the previous
# line of each (what Rails and Django apps run today). Debian's ruby-dotenv 2.4.0 (2018) is run
# and recorded too, but it reads no multi-line value, so it only informs (see NOTES.md).
CONSENSUS = ["py-1.2.4", "py-1.0.1", "rb-3.2.0", "rb-2.8.1"]
READERS = {
    "py-1.2.4": (["python3", os.path.join(HERE, "dump.py")], {"PYTHONPATH": os.path.join(PY, "python-dotenv-1.2.4")}),
    "py-1.0.1": (["python3", os.path.join(HERE, "dump.py")], {"PYTHONPATH": os.path.join(PY, "python-dotenv-1.0.1")}),
    "rb-3.2.0": (["ruby", "-I", os.path.join(HERE, "ruby/dotenv-3.2.0/lib"), os.path.join(HERE, "dump.rb")], {}),
    "rb-2.8.1": (["ruby", "-I", os.path.join(HERE, "ruby/dotenv-2.8.1/lib"), os.path.join(HERE, "dump.rb")], {}),
    "rb-2.4.0": (["ruby", os.path.join(HERE, "dump.rb")], {}),  # Debian's ruby-dotenv
}


def ensure_python():
    """Install the pinned python-dotenv versions into compare/.py/ (PyPI, pip --target)."""
    for name in READERS:
        if name.startswith("py-"):
            target = os.path.join(PY, "python-dotenv-" + name[3:])
            if not os.path.isdir(target):
                subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                                "--target", target, "python-dotenv==" + name[3:]], check=True)


def run(name, paths):
    """{path: {"reader":..., "values":{...}} or {"reader":..., "error":...}} for one reader."""
    cmd, extra = READERS[name]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **extra}
    out = subprocess.run(cmd + list(paths), env=env, capture_output=True, text=True, check=True).stdout
    results = {}
    for line in out.splitlines():
        obj = json.loads(line)
        results[obj.pop("file")] = obj
    return results
