"""How much `coder train` may prune learned phrases: replays train's out-of-fold loop (the same folds and seed)
at several levels of the association test (`learn.PRUNE_ALPHA`) and prints, per level, the out-of-fold F1 / MAP
and threshold `train` would choose, the true candidates left, and learned mentions and candidates per note.
Each level's statistics are refitted per fold; the document classifiers are fitted once per fold (pruning does
not touch them).

    python bench/coder_prune.py [--split train] [--levels none,1e-2,1e-3,1e-4]

Decide the level on the training split only (dev is for scoring the choice once)."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from chartclaim.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=get_settings().shared_data / "codiesp" / "codiesp_en_train_dev.jsonl")
    ap.add_argument("--split", default="train", help="CodiEsp split to replay ('all': every note)")
    ap.add_argument("--levels", default="none,1e-2,1e-3,1e-4,1e-5")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--limit", type=int, default=0, help="only the first N notes (a smoke test)")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"skip: {args.data} not found (shared data absent)")
        return 0
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from chartclaim.coding import learn as L
    from chartclaim.coding.pipeline import Coder

    levels = [None if x.lower() == "none" else float(x) for x in args.levels.split(",")]
    rows = [json.loads(line) for line in args.data.open(encoding="utf-8")]
    docs = [L.Doc(r["id"], r["text_en"], r["codes_d"]) for r in rows if args.split in ("all", r["split"])]
    if args.limit:
        docs = docs[: args.limit]
    coder = Coder()
    prep = []
    for d in docs:
        gold = {L.nodot(c) for c in d.codes if c.strip()}
        canon = {k for c in gold if (k := coder.assigner.canonical(c))}
        prep.append(L._Prepared(d, gold, canon, L._ngrams(coder, d.text)))
    base = coder.with_model(None)
    base_an = [base.analyse(p.doc.text) for p in prep]
    code_toks = L._code_tokens(coder)
    order = list(range(len(prep)))
    random.Random(13).shuffle(order)                 # train's seed: the same folds
    fold_of = {d: i % args.folds for i, d in enumerate(order)}
    acc: dict[Any, dict[str, Any]] = {a: {"X": [], "y": [], "g": [], "ctx": [], "lm": 0, "cands": 0} for a in levels}
    for fold in range(args.folds):
        inside = [i for i in range(len(prep)) if fold_of[i] != fold]
        clfs = L._fit_classifiers([prep[i] for i in inside])
        for a in levels:
            st = L._fit_stats(coder, [prep[i] for i in inside], [base_an[i] for i in inside], code_toks, alpha=a)
            m = L.CoderModel(st, classifiers=clfs)
            fc = coder.with_model(m)
            r = acc[a]
            for i in (i for i in range(len(prep)) if fold_of[i] == fold):
                an = fc.analyse(prep[i].doc.text)
                r["cands"] += len(an.candidates)
                for c in an.candidates.values():
                    r["lm"] += sum(1 for x in c.mentions if x.entry.source == "learned")
                    if m.trivial(c, an):
                        continue
                    r["X"].append(L.expand(m.features(c, an, coder)))
                    r["y"].append(int(L.credited(c.code, prep[i].gold)))
                    r["g"].append(i)
                    r["ctx"].append(L.context_only(c))
        print(f"fold {fold + 1}/{args.folds}", flush=True)
    n = len(prep)
    for a in levels:
        r = acc[a]
        X, y = np.asarray(r["X"], dtype=float), np.asarray(r["y"], dtype=int)
        scale = X.std(axis=0)
        scale[scale < 1e-9] = 1.0
        Z = (X - X.mean(axis=0)) / scale
        fa = np.asarray([fold_of[i] for i in r["g"]])
        oof = np.zeros(len(y))
        for f in range(args.folds):
            tr, te = fa != f, fa == f
            oof[te] = LogisticRegression(C=0.5, max_iter=3000).fit(Z[tr], y[tr]).predict_proba(Z[te])[:, 1]
        _defer, thr, f1, mean_ap = L._context_choice(oof.tolist(), y.tolist(), r["g"], r["ctx"],
                                                     {i: len(p.gold) for i, p in enumerate(prep)})
        print(f"level {a}: out of fold F1 {f1:.4f} MAP {mean_ap:.4f} (threshold {thr:.3f}); true candidates "
              f"{int(y.sum())}; per note {r['lm'] / n:.1f} learned mentions, {r['cands'] / n:.1f} candidates")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
