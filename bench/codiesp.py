"""CodiEsp-D benchmark: train the coder on the train split, code the dev split (profile `abstraction`), and
report micro precision/recall/F1 and MAP (a prediction is credited when it equals or starts with a gold code:
the gold is 2018 CIE-10-ES, mostly without injury 7th characters), the most missed and most false codes, and
notes/s. Peers measured in the same run: a naive dictionary matcher (terminology terms only, every match
reported) and the coder without a model."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from chartclaim.settings import get_settings


def score(preds: dict[str, list[str]], gold: dict[str, list[str]]) -> dict[str, float]:
    tp = fp = fn = 0
    ap_sum = 0.0
    for doc, g in gold.items():
        gset = {c.replace(".", "").upper() for c in g}
        used: set[str] = set()
        hits = 0
        ap = 0.0
        for rank, p in enumerate(preds.get(doc, []), 1):
            pn = p.replace(".", "").upper()
            match = next((x for x in sorted(gset - used, key=len, reverse=True) if pn.startswith(x)), None)
            if match is None:
                fp += 1
                continue
            used.add(match)
            hits += 1
            ap += hits / rank
        tp += hits
        fn += len(gset) - hits
        ap_sum += ap / len(gset) if gset else 0.0
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"P": prec, "R": rec, "F1": f1, "MAP": ap_sum / len(gold) if gold else 0.0}


def errors(preds: dict[str, list[str]], gold: dict[str, list[str]]) -> tuple[Counter[str], Counter[str]]:
    missed: Counter[str] = Counter()
    false: Counter[str] = Counter()
    for doc, g in gold.items():
        gset = {c.replace(".", "").upper() for c in g}
        ps = [p.replace(".", "").upper() for p in preds.get(doc, [])]
        for x in gset:
            if not any(p.startswith(x) for p in ps):
                missed[x] += 1
        for p in ps:
            if not any(p.startswith(x) for x in gset):
                false[p] += 1
    return missed, false


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=get_settings().shared_data / "codiesp" / "codiesp_en_train_dev.jsonl")
    ap.add_argument("--train-split", default="train")
    ap.add_argument("--eval-split", default="dev")
    ap.add_argument("--model-out", type=Path, default=None, help="keep the trained model here")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="skip the peer runs (naive matcher, no model)")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"skip: {args.data} not found (shared data absent)")
        return 0
    from chartclaim.coding.learn import Doc, train
    from chartclaim.coding.pipeline import Coder

    rows = [json.loads(line) for line in args.data.open(encoding="utf-8")]
    tr = [Doc(r["id"], r["text_en"], r["codes_d"]) for r in rows if r["split"] == args.train_split]
    ev = [r for r in rows if r["split"] == args.eval_split]
    if args.limit:
        tr, ev = tr[: args.limit], ev[: args.limit]
    gold = {r["id"]: r["codes_d"] for r in ev}
    t0 = time.perf_counter()
    coder = Coder()
    print(f"terminology + dictionary loaded in {time.perf_counter() - t0:.1f}s ({coder.term.version})")

    def run(c: Coder, name: str, naive: bool = False) -> dict[str, list[str]]:
        t = time.perf_counter()
        cpu = time.process_time()
        preds: dict[str, list[str]] = {}
        for r in ev:
            if naive:
                an = c.analyse(r["text_en"])
                preds[r["id"]] = [k for k, cand in an.candidates.items()
                                  if any(m.entry.source != "learned" for m in cand.mentions)]
            else:
                res = c.code(r["text_en"], profile="abstraction", with_procedures=False)
                assert all(s.evidence for s in res.codes), "a code without evidence"
                preds[r["id"]] = [s.code for s in res.codes]
        dt = time.perf_counter() - t
        dcpu = time.process_time() - cpu
        s = score(preds, gold)
        print(f"{name:<28} P {s['P']:.3f}  R {s['R']:.3f}  F1 {s['F1']:.3f}  MAP {s['MAP']:.3f}  "
              f"{len(ev) / dt:,.0f} notes/s wall, {len(ev) / dcpu:,.0f} notes/s CPU")
        return preds

    if not args.quick:
        run(coder, "naive dictionary", naive=True)
        run(coder, "coder, no model")
    t = time.perf_counter()
    model = train(coder, tr, progress=lambda m: print("  train:", m, file=sys.stderr))
    print(f"trained on {len(tr)} notes in {time.perf_counter() - t:.1f}s "
          f"({len(model.stats.learned):,} learned terms, threshold {model.threshold:.2f})")
    if args.model_out:
        print("model:", model.save(args.model_out))
    trained = coder.with_model(model)
    preds = run(trained, "coder + trained model")
    missed, false = errors(preds, gold)
    print("top missed:", ", ".join(f"{c}×{n}" for c, n in missed.most_common(15)))
    print("top false: ", ", ".join(f"{c}×{n}" for c, n in false.most_common(15)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
