#!/usr/bin/env python3
"""Picks the small saved corpus of a fuzz target (fuzz/regressions/<target>/).

Usage, from fuzz/ after a fuzzing session (see docs/FUZZING.md):

    target/x86_64-unknown-linux-gnu/release/TARGET -merge=1 -use_value_profile=0 \
        -merge_control_file=/tmp/TARGET.ctl /tmp/TARGET-merged corpus/TARGET
    rm -rf regressions/TARGET
    python3 pick-regressions.py /tmp/TARGET.ctl regressions/TARGET 100

libFuzzer's merge control file lists the coverage edges (COV) and features (FT) of every
input. This script covers the edges greedily (most new edges first, the smaller input on a
tie), then fills up to LIMIT inputs with the ones that add the most features, and copies
them to DEST. `cargo fuzz cmin` keeps every input that adds a feature, which is several
times more files than a test should carry.
"""
import sys, os, shutil
ctl, dest, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(ctl).read().split('\n')
n = int(lines[0]); files = lines[2:2+n]
ft, cov = {}, {}
for l in lines[2+n:]:
    p = l.split()
    if not p: continue
    if p[0] == 'FT': ft[int(p[1])] = set(map(int, p[2:]))
    elif p[0] == 'COV': cov[int(p[1])] = set(map(int, p[2:]))
size = {i: os.path.getsize(f) for i, f in enumerate(files)}
chosen = []
def greedy(sets, covered):
    while len(chosen) < limit:
        best = max((i for i in sets if i not in chosen), key=lambda i: (len(sets[i]-covered), -size[i]), default=None)
        if best is None or not (sets[best]-covered): return
        chosen.append(best); covered |= sets[best]
allcov = set().union(*cov.values()); allft = set().union(*ft.values())
cc = set(); greedy(cov, cc)
n_cov = len(chosen)
fc = set().union(*(ft.get(i, set()) for i in chosen)); greedy(ft, fc)
print(f"{os.path.basename(ctl)}: {len(chosen)} files ({n_cov} for edges): edges {len(cc)}/{len(allcov)}, features {len(fc)}/{len(allft)}, bytes {sum(size[i] for i in chosen)}")
os.makedirs(dest, exist_ok=True)
for i in chosen:
    shutil.copy(files[i], os.path.join(dest, os.path.basename(files[i])))
