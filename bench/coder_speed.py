"""Coder speed after loading, in one process, CPU time: optionally against another source tree of chartclaim
loaded into the same process, alternating passes (the machine is shared: rates measured in separate periods
are not comparable, alternating ones are).

    python bench/coder_speed.py --notes dev.jsonl [--model MODEL_DIR] [--base OLD_TREE/src] [--procedures]
        [--profile us-outpatient]

NOTES is JSONL with "text" (or "text_en"); profile `abstraction` unless --profile says otherwise; without
--model the coder runs from terminology and rules. Prints notes/s (CPU and wall) of the best pass and of the
sum of per-note minimum times over the passes (less sensitive to other jobs), and checks that both trees
give the same results."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def load_coder(src: str | None, model: Path | None) -> Any:
    """A Coder from the chartclaim package under ``src`` (None: the one on the path), with ``model``."""
    for k in [k for k in sys.modules if k == "chartclaim" or k.startswith("chartclaim.")]:
        del sys.modules[k]
    if src:
        sys.path.insert(0, src)
    try:
        from chartclaim.coding.pipeline import Coder
        return Coder(model=model)
    finally:
        if src:
            sys.path.remove(src)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notes", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--base", default=None, help="src directory of another chartclaim tree to compare with")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--procedures", action="store_true", help="also suggest E/M and CPT/HCPCS")
    ap.add_argument("--profile", default="abstraction", help="guideline profile (default: abstraction)")
    args = ap.parse_args(argv)
    texts = []
    for line in args.notes.open(encoding="utf-8"):
        if line.strip():
            row = json.loads(line)
            texts.append(row.get("text", row.get("text_en", "")))
    coders: dict[str, Any] = {}
    if args.base:
        coders["base"] = load_coder(args.base, args.model)
    coders["this tree"] = load_coder(None, args.model)

    def run(c: Any, t: str) -> Any:
        return c.code(t, profile=args.profile, with_procedures=args.procedures)

    outputs = {name: [run(c, t) for t in texts] for name, c in coders.items()}   # also warms caches
    if args.base:
        same = sum(repr(a) == repr(b) for a, b in zip(outputs["base"], outputs["this tree"], strict=True))
        print(f"identical results on {same}/{len(texts)} notes")
    best = dict.fromkeys(coders, float("inf"))
    best_wall = dict.fromkeys(coders, float("inf"))
    mins = {name: [float("inf")] * len(texts) for name in coders}
    clock = time.process_time
    wall = time.perf_counter
    for _ in range(args.passes):
        for name, c in coders.items():
            start, wall0 = clock(), wall()
            for i, t in enumerate(texts):
                t0 = clock()
                run(c, t)
                mins[name][i] = min(mins[name][i], clock() - t0)
            best[name] = min(best[name], clock() - start)
            best_wall[name] = min(best_wall[name], wall() - wall0)
    for name in coders:
        print(f"{name:>10}: {len(texts) / best[name]:,.0f} notes/s CPU, {len(texts) / best_wall[name]:,.0f} "
              f"wall (best of {args.passes} passes), {len(texts) / sum(mins[name]):,.0f} notes/s CPU "
              f"(per-note minimum)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
