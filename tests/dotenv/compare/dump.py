"""Print what python-dotenv reads from one .env file, as JSON.

    python3 dump.py FILE...

Uses `dotenv_values(path)` (interpolation on, as by default); the process environment is read
by the interpolation but never written. Output, one line per file:
{"file": ..., "reader": ..., "values": {name: value|null}} with the names in file order, or
{"file": ..., "reader": ..., "error": ...} when the reader raises.
Which python-dotenv is used is whatever `import dotenv` finds (gen_expected.py sets PYTHONPATH).
"""
import json
import logging
import sys
from importlib.metadata import version

import dotenv

logging.disable(logging.CRITICAL)  # "could not parse statement" warnings go to stderr otherwise

reader = "python-dotenv " + version("python-dotenv")
for path in sys.argv[1:]:
    try:
        out = {"file": path, "reader": reader, "values": dict(dotenv.dotenv_values(path))}
    except Exception as e:  # a reader that raises reads nothing: record why
        out = {"file": path, "reader": reader, "error": type(e).__name__}
    print(json.dumps(out, ensure_ascii=False))
