"""Run every reference reader on every corpus file; write tests/dotenv/expected/<file>.json.

    python3 tests/dotenv/compare/gen_expected.py     # from anywhere; needs python3, ruby, ruby-dotenv

Each expectation file says, for one corpus file:
  "readers":   the reader versions whose agreement counts (readers.CONSENSUS);
  "agreed":    {name: value} for every name that all of them define with the same value;
  "disagreed": [names] that some define and another does not, or define differently;
  "raised":    [readers] that raised on the file (they define nothing from it);
  "informative": {reader: [names]}: for a reader outside the consensus, the agreed names it
               reads otherwise;
  "by_reader": what each reader returned, for people reading the file.
src/config/dotenv/corpus.rs checks the Rust reader against "agreed" and "disagreed".
"""
import json
import os

import readers

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus")
OUT = os.path.join(HERE, "..", "expected")

ABSENT = object()


def main(corpus=CORPUS, out=OUT, quiet=False):
    readers.ensure_python()
    os.makedirs(out, exist_ok=True)
    names = sorted(os.listdir(corpus))
    paths = [os.path.join(corpus, n) for n in names]
    results = {r: readers.run(r, paths) for r in readers.READERS}
    versions = sorted({results[r][p]["reader"] for r in readers.READERS for p in paths})
    for name, path in zip(names, paths):
        by_reader = {results[r][path]["reader"]: results[r][path] for r in readers.READERS}
        counted = [results[r][path]["reader"] for r in readers.CONSENSUS]
        raised = [v for v in counted if "error" in by_reader[v]]
        values = {v: by_reader[v].get("values", {}) for v in counted}
        all_names = []
        for vals in values.values():
            all_names += [k for k in vals if k not in all_names]
        agreed, disagreed = {}, []
        for key in all_names:
            seen = {json.dumps(vals[key]) if key in vals else "<absent>" for vals in values.values()}
            first = next(iter(values.values()))
            if len(seen) == 1 and isinstance(first.get(key), str):
                agreed[key] = first[key]
            else:
                disagreed.append(key)
        informative = {}
        for v, res in by_reader.items():
            if v not in counted:
                other = res.get("values", {})
                informative[v] = [k for k, val in agreed.items() if other.get(k) != val]
        expected = {
            "file": "corpus/" + name,
            "readers": counted,
            "agreed": agreed,
            "disagreed": disagreed,
            "raised": raised,
            "informative": informative,
            "by_reader": {v: res.get("values", {"<raised>": res.get("error")}) for v, res in by_reader.items()},
        }
        with open(os.path.join(out, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(expected, f, ensure_ascii=False, indent=1)
            f.write("\n")
        if quiet:
            continue
        extra = "".join("  %s differs on %s" % (v, ",".join(k)) for v, k in informative.items() if k)
        print("%-36s agreed %3d  disagreed %3d%s%s" % (name, len(agreed), len(disagreed),
                                                      "  raised: " + ", ".join(raised) if raised else "", extra))
    print("readers: " + ", ".join(versions) + "; consensus of " + ", ".join(readers.CONSENSUS))


if __name__ == "__main__":
    main()
