"""Show how every reader reads each line of the given files on its own.

    python3 tests/dotenv/compare/probe.py tests/dotenv/corpus/comments.env ...

A line is written to a file of its own (with "\n"), so this shows single-line behaviour only;
multi-line values are seen whole by gen_expected.py. For exploring, not a test.
"""
import json
import os
import sys
import tempfile

import readers

readers.ensure_python()
with tempfile.TemporaryDirectory() as tmp:
    lines, paths = [], []
    for src in sys.argv[1:]:
        with open(src, encoding="utf-8", newline="") as f:
            for line in f.read().splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    path = os.path.join(tmp, "%04d.env" % len(paths))
                    with open(path, "w", encoding="utf-8", newline="") as out:
                        out.write(line + "\n")
                    lines.append(line)
                    paths.append(path)
    got = {name: readers.run(name, paths) for name in readers.READERS}
    for line, path in zip(lines, paths):
        shown = {}
        for name in readers.READERS:
            r = got[name][path]
            shown[name] = r.get("values", "ERROR " + r.get("error", ""))
        same = len({json.dumps(v, sort_keys=True) for v in shown.values()}) == 1
        print(("   " if same else "!! ") + json.dumps(line, ensure_ascii=False))
        if same:
            print("      all: " + json.dumps(shown["py-1.2.4"], ensure_ascii=False))
        else:
            for name, v in shown.items():
                print("      %s: %s" % (name, json.dumps(v, ensure_ascii=False)))
