"""Encoder search benchmark: quality (top-1/top-3 on the team's coder queries, built-in data only),
latency (p50/p99 per query, warm) and cold start (a new process: open + first lookup + first search).

Peer measured in the same run: a plain-substring lookup over the same Tabular descriptions via the
`simple-icd-10-cm` package (what a team without an encoder would do), for quality and latency.

    .venv/bin/python bench/encoder_search.py [--misses] [--queries FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "tests" / "codesets" / "encoder_queries.tsv"
ROUND2 = ROOT / "tests" / "codesets" / "encoder_queries_round2.tsv"
ROUND3 = ROOT / "tests" / "codesets" / "encoder_queries_round3.tsv"
ROUND4 = ROOT / "tests" / "codesets" / "encoder_queries_round4.tsv"
ROUND5 = ROOT / "tests" / "codesets" / "encoder_queries_round5.tsv"
ROUND7 = ROOT / "tests" / "codesets" / "encoder_queries_round7.tsv"
ROUND8 = ROOT / "tests" / "codesets" / "encoder_queries_round8.tsv"
ROUND9 = ROOT / "tests" / "codesets" / "encoder_queries_round9.tsv"
HOLDOUT = ROOT / "tests" / "codesets" / "encoder_queries_holdout.tsv"


def load(path: Path) -> list[tuple[str, set[str], str]]:
    out = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            q, e, k = line.split("\t")
            out.append((q, set(e.split("|")), k))
    return out


def cold_start() -> float:
    code = ("import time; t=time.perf_counter(); from chartclaim.codesets import get_codesets; cs=get_codesets(); "
            "cs.icd10cm.get('E11.22'); cs.search('dm2 with ckd'); print(time.perf_counter()-t)")
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return min(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--queries", type=Path)
    args = ap.parse_args()
    from chartclaim.codesets import get_codesets

    cs = get_codesets()
    cs.search("warm up")
    sets = [("dev", QUERIES), ("round2 (tuned-on)", ROUND2), ("round3 (tuned-on)", ROUND3),
            ("round4 (tuned-on)", ROUND4), ("round5 (tuned-on)", ROUND5),
            ("round7 (held out)", ROUND7),
            ("round8 (held out, 2 misses seen)", ROUND8),
            ("round9 (held out)", ROUND9)] + ([("round6 (held out, 3 misses seen)", HOLDOUT)] if HOLDOUT.exists() else [])
    if args.queries:
        sets = [(args.queries.name, args.queries)]
    all_times: list[float] = []
    cpu_times: list[float] = []
    for name, path in sets:
        qs = load(path)
        top1 = top3 = 0
        by_kind: dict[str, list[int]] = {}
        misses = []
        for q, exp, kind in qs:
            t, c = time.perf_counter(), time.process_time()
            hits = cs.search(q, limit=10)
            all_times.append(time.perf_counter() - t)
            cpu_times.append(time.process_time() - c)
            codes = [h.code for h in hits]
            ok1 = bool(codes[:1]) and codes[0] in exp
            ok3 = bool(exp & set(codes[:3]))
            top1 += ok1
            top3 += ok3
            by_kind.setdefault(kind, [0, 0])
            by_kind[kind][0] += ok3
            by_kind[kind][1] += 1
            if not ok3:
                misses.append(f"  [{kind}] {q!r}: want {sorted(exp)} got {codes[:5]}")
        print(f"{name}: {len(qs)} queries  top-1 {top1 / len(qs):.3f}  top-3 {top3 / len(qs):.3f}  "
              + "  ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(by_kind.items())))
        if args.misses:
            print("\n".join(misses))
    all_times.sort()
    p50 = statistics.median(all_times) * 1000
    p99 = all_times[min(len(all_times) - 1, int(len(all_times) * 0.99))] * 1000
    cpu_times.sort()
    print(f"chartclaim search latency: p50 {p50:.1f} ms  p99 {p99:.1f} ms  (n={len(all_times)}, warm, wall clock)")
    print(f"chartclaim search CPU time: p50 {statistics.median(cpu_times) * 1000:.1f} ms  "
          f"p99 {cpu_times[min(len(cpu_times) - 1, int(len(cpu_times) * 0.99))] * 1000:.1f} ms "
          f"(steadier than wall clock on a shared machine)")
    print(f"machine load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    cs_cold = cold_start()
    print(f"chartclaim cold start (new process: import, open, first lookup, first search): {cs_cold * 1000:.0f} ms")

    # Peer: substring search over simple-icd-10-cm's descriptions (package import = its cold start).
    t = time.perf_counter()
    import simple_icd_10_cm as sicd

    peer_cold = time.perf_counter() - t
    codes = [c for c in sicd.get_all_codes(with_dots=True) if sicd.is_leaf(c)]
    descs = [(c, sicd.get_description(c).lower()) for c in codes]

    def peer(q: str) -> list[str]:
        words = q.lower().split()
        hits = [(len(d), c) for c, d in descs if all(w in d for w in words)]
        return [c for _, c in sorted(hits)[:10]]

    qs = load(QUERIES)
    times = []
    ok3 = 0
    for q, exp, _ in qs:
        t = time.perf_counter()
        got = peer(q)
        times.append(time.perf_counter() - t)
        ok3 += bool(exp & set(got[:3]))
    times.sort()
    print(f"peer (simple-icd-10-cm substring, shortest title first): dev top-3 {ok3 / len(qs):.3f}  "
          f"p50 {statistics.median(times) * 1000:.1f} ms  p99 {times[int(len(times) * 0.99)] * 1000:.1f} ms  "
          f"cold start {peer_cold * 1000:.0f} ms")
    print(f"ratios: latency p50 peer/chartclaim {statistics.median(times) * 1000 / p50:.1f}x; "
          f"cold start peer/chartclaim {peer_cold / cs_cold:.1f}x")


if __name__ == "__main__":
    main()
