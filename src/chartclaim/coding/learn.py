"""Learning from a practice's coded history (`chartclaim coder train`).

From (note, codes) pairs it fits:
- learned terms: phrases (order-free token sets of 1-3 content words) associated with a code across notes,
  plus, for each coded note, the phrase that best aligns with the code's own terminology (so a code seen
  once still gets a supporting span); each with counts n(phrase, code) and n(phrase); a phrase that shares no
  word with the code's terms is kept only when a Fisher test finds it associated with the code (PRUNE_ALPHA);
- which terminology terms coders actually code and which they ignore (per term and per code);
- code priors;
- a logistic re-ranker over candidate features, trained out-of-fold so the statistics it sees on a note
  never came from that note, and the score threshold that maximises micro-F1 out-of-fold.
The model directory holds one JSON file; no text from the training notes is stored except short phrases."""

from __future__ import annotations

import json
import math
import random
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chartclaim.coding.dictionary import Entry, TermDictionary, ngram_keys
from chartclaim.coding.lexicon import GENERIC, Lexicon
from chartclaim.coding.terminology import nodot

if TYPE_CHECKING:
    from chartclaim.coding.pipeline import Analysis, Candidate, Coder

MODEL_FILE = "coder-model.json"
FORMAT = 1
# the codes of a phrase the model never saw (shared, never written to)
_NO_CODES: dict[str, tuple[int, int]] = {}
MAX_N = 3
# Weight of MAP against micro-F1 when the threshold is chosen. The threshold only decides what is listed: MAP
# can only grow as it falls (a listed code below the last hit never lowers average precision), so equal weights
# list the long tail of the ranking (out of fold on CodiEsp train+dev: threshold 0.13, precision 0.58, F1 0.604).
# At 3/4 the listing is judged mostly by F1 and still keeps the ranked tail a coder would review
# (threshold 0.21, F1 0.619, MAP 0.524; docs/benchmarks.md).
MAP_WEIGHT = 0.75
# A learned (phrase, code) pair that shares no word with the code's own terms is kept only when the phrase is
# associated with the code: one-sided hypergeometric (Fisher) test that the notes holding the phrase carry the
# code more often than chance, p < PRUNE_ALPHA. Common words ("old", "year", "show") pass the count and
# precision rules for every frequent code (R52, R69, R50.9...) with no lift at all; they made most of a note's
# learned mentions. Chosen out of fold on CodiEsp train only (coder train's folds; docs/benchmarks.md): from
# 1e-2 to 1e-6 F1 + 3/4 MAP stays within noise of no pruning, while learned mentions per note fall 475 -> 70
# at 1e-4; the true candidates lost grow below it (0.7% of them at 1e-4, 2.6% at 1e-6). None keeps every pair.
PRUNE_ALPHA: float | None = 1e-4

FEATURES = (
    "src_tabular", "src_index", "src_inclusion", "src_learned", "only_learned", "key_len", "n_mentions",
    "n_sentences", "neg", "possible", "historical", "family", "hypothetical", "resolved", "prior",
    "learned_prec", "learned_pos", "learned_occ", "base_prec", "base_prop", "key_prec", "key_occ", "ambiguity",
    "combination", "completed", "chap_r", "chap_z", "first_pos", "has_descendant", "has_ancestor", "n_cands",
    "unspecified", "learned_x_prec", "prior_x_base", "clf_prob", "has_clf", "clf_only",
    "cat_prior", "cat_prec", "n_learned_keys", "learned_noisy_or", "clf_x_learned", "keyprec_x_index",
    "sqrt_lp", "sqrt_clf", "neg_x_base", "learned_ovl", "lp_x_ovl", "aligned_pos",
)


# Pairwise products of these features let the linear re-ranker express interactions ("a learned phrase is
# worth more when it also aligns with the code's words and the classifier agrees").
CROSSED = ("learned_prec", "clf_prob", "base_prec", "key_prec", "prior", "learned_ovl", "src_index", "neg",
           "only_learned", "cat_prec", "n_mentions", "lp_x_ovl")
_CROSS_IDX = [(FEATURES.index(a), FEATURES.index(b)) for i, a in enumerate(CROSSED) for b in CROSSED[i + 1:]]


def expand(x: list[float]) -> list[float]:
    return x + [x[a] * x[b] for a, b in _CROSS_IDX]


@dataclass(slots=True)
class Doc:
    id: str
    text: str
    codes: list[str]


def read_coded(path: Path) -> list[Doc]:
    """Lines of {"id", "text", "codes"} ("text_en"/"codes_d" accepted); a bad line is an error naming it."""
    docs = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not JSON ({e.msg})") from None
            text = row.get("text", row.get("text_en"))
            codes = row.get("codes", row.get("codes_d"))
            if not isinstance(text, str) or not isinstance(codes, list):
                raise ValueError(f"{path}:{n}: need 'text' (string) and 'codes' (list)")
            docs.append(Doc(str(row.get("id", n)), text, [str(c) for c in codes]))
    if not docs:
        raise ValueError(f"{path}: no coded notes")
    return docs


def credited(pred: str, gold: set[str]) -> bool:
    p = nodot(pred)
    return any(p.startswith(g) for g in gold)


_NOT_CODED = frozenset({"negated", "hypothetical", "family"})


def context_only(c: Candidate) -> bool:
    """Every mention of the candidate is negated, hypothetical or a family member's: the guideline rule drops
    it; abstraction with a model may leave it to the re-ranker (see ``train``)."""
    return all(m.assertion.categories & _NOT_CODED for m in c.mentions)


@dataclass(slots=True)
class Stats:
    n_docs: int = 0
    code_count: dict[str, int] = field(default_factory=dict)
    cat_count: dict[str, int] = field(default_factory=dict)                  # 3-character category
    cat_base: dict[str, tuple[int, int]] = field(default_factory=dict)       # category -> (pos, proposed)
    learned: dict[tuple[str, ...], dict[str, tuple[int, int]]] = field(default_factory=dict)
    examples: dict[tuple[str, ...], str] = field(default_factory=dict)
    base_code: dict[str, tuple[int, int]] = field(default_factory=dict)      # code -> (pos, proposed)
    base_key: dict[tuple[tuple[str, ...], str], tuple[int, int]] = field(default_factory=dict)
    # share of a learned phrase's words that the code's own terminology uses (alignment strength)
    overlap: dict[tuple[tuple[str, ...], str], float] = field(default_factory=dict)
    pruned: int = 0         # learned (phrase, code) pairs dropped as not associated (training only, not saved)


class NoteProbabilities(Mapping[str, float]):
    """P(code | note) of every code with a classifier, for one note; each worked out when first asked for."""

    __slots__ = ("done", "model", "touched", "z")

    def __init__(self, model: CoderModel, z: Any, touched: Any) -> None:
        self.model = model
        self.z = z
        self.touched = touched
        self.done: dict[str, float] = {}

    def __getitem__(self, code: str) -> float:
        got = self.done.get(code)
        if got is None:
            i = self.model._rank[code]          # KeyError for a code without a classifier
            got = self.done[code] = _sigmoid(float(self.z[i])) if self.touched[i] else self.model._base_p[code]
        return got

    def get(self, code: str, default: Any = None) -> Any:
        # written out (not via __getitem__): the re-ranker asks this of every candidate
        got = self.done.get(code)
        if got is not None:
            return got
        i = self.model._rank.get(code)
        if i is None:
            return default
        got = self.done[code] = _sigmoid(float(self.z[i])) if self.touched[i] else self.model._base_p[code]
        return got

    def __contains__(self, code: object) -> bool:
        return code in self.model._rank

    def __iter__(self) -> Iterator[str]:
        return iter(self.model._rank)

    def __len__(self) -> int:
        return len(self.model._rank)


@dataclass(slots=True)
class CoderModel:
    stats: Stats
    coef: list[float] = field(default_factory=list)
    intercept: float = 0.0
    mean: list[float] = field(default_factory=list)
    scale: list[float] = field(default_factory=list)
    threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)
    # per-code document classifiers: code -> (intercept, {key: weight}); sparse (L1)
    classifiers: dict[str, tuple[float, dict[tuple[str, ...], float]]] = field(default_factory=dict)
    _dict: TermDictionary | None = None
    _by_key: dict[tuple[str, ...], list[tuple[str, float]]] | None = None
    _folded: tuple[float, list[float]] | None = None
    _static_cache: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    _lstat_cache: dict[tuple[tuple[str, ...], str], tuple[float, float, float, float]] = field(default_factory=dict)
    _base_p: dict[str, float] = field(default_factory=dict)
    _rank: dict[str, int] = field(default_factory=dict)
    _flat: tuple[Any, ...] | None = None
    _intercepts: Any = None                   # numpy array of the classifiers' intercepts, in classifier order

    def classify(self, keys: Iterable[tuple[str, ...]]) -> dict[str, tuple[float, tuple[str, ...] | None]]:
        """P(code | note) for every code with a classifier, and the present key that supports it most."""
        probs, support = self.classify_note(keys)
        out: dict[str, tuple[float, tuple[str, ...] | None]] = {c: (p, None) for c, p in probs.items()}
        for code, p, key in support:
            out[code] = (p, key)
        return out

    def classifier_vocabulary(self) -> dict[tuple[str, ...], list[tuple[str, float]]]:
        """Every phrase some document classifier weighs -> [(code, weight)] in classifier order."""
        if self._by_key is None:
            by: dict[tuple[str, ...], list[tuple[str, float]]] = {}
            for code, (_b, ws) in self.classifiers.items():
                for k, w in ws.items():
                    by.setdefault(k, []).append((code, w))
            self._by_key = by
            self._base_p = {c: _sigmoid(b) for c, (b, _w) in self.classifiers.items()}
            self._rank = {c: i for i, c in enumerate(self.classifiers)}
        return self._by_key

    def classify_note(self, keys: Iterable[tuple[str, ...]]
                      ) -> tuple[NoteProbabilities, list[tuple[str, float, tuple[str, ...]]]]:
        """As :meth:`classify`, cheaply: (P(code | note) for every code, [(code, P, strongest key)] for the
        codes some present key supports, in classifier order). The weights of the note's keys are added to
        the intercepts one by one, in key order;
        most codes see no key in a note, and a probability is computed only when asked for."""
        import numpy as np

        by_key = self.classifier_vocabulary()
        flat = self._flat
        if flat is None:
            rank = self._rank
            kid: dict[tuple[str, ...], int] = {}
            off = [0]
            code_ids: list[int] = []
            weights: list[float] = []
            for k, lst in by_key.items():
                kid[k] = len(kid)
                code_ids.extend(rank[c] for c, _w in lst)
                weights.extend(w for _c, w in lst)
                off.append(len(code_ids))
            flat = self._flat = (kid, np.asarray(off, dtype=np.int64), np.asarray(code_ids, dtype=np.int64),
                                 np.asarray(weights, dtype=float),
                                 np.asarray([b for b, _w in self.classifiers.values()], dtype=float),
                                 list(self.classifiers))
            self._intercepts = np.asarray([float(b) for b, _w in self.classifiers.values()], dtype=float)
        kid = flat[0]
        present = [k for k in keys if k in kid]
        return self._classify_present(present, [kid[k] for k in present])

    def classify_ids(self, keys: list[tuple[str, ...]], ids: list[int]
                     ) -> tuple[NoteProbabilities, list[tuple[str, float, tuple[str, ...]]]]:
        """:meth:`classify_note` of ``keys`` (all weighed by some classifier, none twice) whose numbers in
        :meth:`classifier_vocabulary`'s order are ``ids`` (as :class:`~chartclaim.coding.dictionary.GramIndex`
        finds them)."""
        if self._flat is None:
            self.classify_note(())
        return self._classify_present(keys, ids)

    def _classify_present(self, present: list[tuple[str, ...]], key_ids: list[int]
                          ) -> tuple[NoteProbabilities, list[tuple[str, float, tuple[str, ...]]]]:
        """The sums and supports of :meth:`classify_note` for the note's keys ``present`` (numbers ``key_ids``).
        A 2-KB note touches ~900 (key, code) weights: they are gathered in key order and ``np.add.at`` adds
        them to the intercepts one by one in that order (the same floating-point sums as a plain loop, in
        about 60% of its time)."""
        import numpy as np

        assert self._flat is not None
        _kid, off, pair_code, pair_w, _b, names = self._flat
        support: list[tuple[str, float, tuple[str, ...]]] = []
        if not present:
            return NoteProbabilities(self, self._intercepts.tolist(), bytes(len(names))), support
        z = self._intercepts.copy()
        touched = np.zeros(len(names), dtype=bool)
        ids = np.asarray(key_ids, dtype=np.int64)
        starts = off[ids]
        lens = off[ids + 1] - starts
        ends = np.cumsum(lens)
        at = np.arange(ends[-1]) + np.repeat(starts - (ends - lens), lens)    # the keys' pairs, in key order
        codes = pair_code[at]
        ws = pair_w[at]
        np.add.at(z, codes, ws)
        touched[codes] = True
        # as lists: the re-ranker reads a few dozen of them one at a time (numpy's scalar indexing is slower)
        probs = NoteProbabilities(self, z.tolist(), touched.tolist())
        # the strongest positive key of each code: the largest weight, the first key on a tie
        pos = ws > 0
        key_no = np.repeat(np.arange(len(ids)), lens)[pos]
        pos_codes = codes[pos]
        order = np.lexsort((key_no, -ws[pos], pos_codes))     # by code, then weight descending, then key
        by_code = pos_codes[order]
        if len(by_code):
            first = np.flatnonzero(np.concatenate(([True], by_code[1:] != by_code[:-1])))
            for c, i in zip(by_code[first].tolist(), key_no[order][first].tolist(), strict=True):   # classifier order
                code = names[c]
                support.append((code, probs[code], present[i]))
        return probs, support

    # ------------------------------------------------------------ use
    def dictionary(self, lexicon: Lexicon) -> TermDictionary:
        if self._dict is None or self._dict.lexicon is not lexicon:
            d = TermDictionary(lexicon)
            for key, codes in self.stats.learned.items():
                ex = self.stats.examples.get(key, " ".join(key))
                for code in codes:
                    d.add(ex, Entry(code, "learned", ex), key=key)
            d.compile()
            self._dict = d
        return self._dict

    def trivial(self, c: Candidate, an: Analysis) -> bool:
        """A candidate supported only by weak learned phrases (no terminology match, no alignment with the
        code's own words, a low classifier probability) is never coded: skip the re-ranker for it."""
        if an.clf.get(c.code, 0.0) >= 0.1:
            return False
        st = self.stats
        for m in c.mentions:
            if m.entry.source != "learned":
                return False
            pos, occ = st.learned.get(m.key, _NO_CODES).get(c.code, (0, 0))
            if pos / (occ + 1.0) >= 0.2 or (m.key, c.code) in st.overlap:
                return False
        return True

    def _static(self, code_dotted: str, coder: Coder) -> tuple[Any, ...]:
        """Features that depend on the code only (cached): prior, base precision, category statistics; then
        prior x base precision, the undotted code and the '=' marks of its proper prefixes (for has_ancestor)."""
        got = self._static_cache.get(code_dotted)
        if got is None:
            st = self.stats
            code = nodot(code_dotted)
            bpos, bprop = st.base_code.get(code_dotted, (0, 0))
            prior = math.log((st.code_count.get(code_dotted, 0) + 0.1) / (st.n_docs + 1.0))
            bprec = (bpos + 1.0) / (bprop + 2.0)
            cat = code[:3]
            cpos, cprop = st.cat_base.get(cat, (0, 0))
            info = coder.term.codes.get(code_dotted)
            got = (prior, bprec, math.log1p(bprop), float(code.startswith("R")), float(code.startswith("Z")),
                   float(bool(info and "unspecified" in info.description.lower())),
                   math.log((st.cat_count.get(cat, 0) + 0.1) / (st.n_docs + 1.0)), (cpos + 1.0) / (cprop + 2.0),
                   prior * bprec, code, tuple("=" + code[:i] for i in range(3, len(code))))
            if len(self._static_cache) < 100_000:
                self._static_cache[code_dotted] = got
        return got

    def learned_stat(self, key: tuple[str, ...], code_d: str) -> tuple[float, float, float, float]:
        """(precision, alignment, log1p(n with code), log1p(n)) of a learned phrase for a code (cached)."""
        got = self._lstat_cache.get((key, code_d))
        if got is not None:
            return got
        pos, occ = self.stats.learned.get(key, _NO_CODES).get(code_d, (0, 0))
        got = (pos / (occ + 1.0), self.stats.overlap.get((key, code_d), 0.0), math.log1p(pos), math.log1p(occ))
        if len(self._lstat_cache) < 500_000:
            self._lstat_cache[(key, code_d)] = got
        return got

    def features(self, c: Candidate, an: Analysis, coder: Coder,
                 prefixes: Counter[str] | None = None) -> list[float]:
        ms = c.mentions
        n = max(1, len(ms))
        code_d = c.code
        # the sources as locals, not a dict: this loop runs for every mention of every candidate of every note
        h_tab = h_idx = h_inc = h_lrn = h_lex = 0.0
        neg = pos_ = hist = fam = hyp = res = 0
        lp = lpos = locc = 0.0
        miss = 1.0
        lkeys: set[tuple[str, ...]] = set()
        ovl_best = lp_ovl = al_pos = 0.0
        kp = kocc = 0.0
        key_len = 0
        ambig = False
        completed = False
        all_clf = True
        sentences = set()
        lstat = self._lstat_cache
        base_key = self.stats.base_key
        for m in ms:
            cats = m.assertion.categories
            if cats:
                neg += "negated" in cats
                pos_ += "possible" in cats
                hist += "historical" in cats
                fam += "family" in cats
                hyp += "hypothetical" in cats
                res += "resolved" in cats
            sentences.add(m.sentence)
            if m.ambiguity > 1:
                ambig = True
            if m.rule != "term":
                completed = True
                if not m.rule.startswith("document classifier"):
                    all_clf = False
            else:
                all_clf = False
            src = m.entry.source
            if src == "learned":
                h_lrn = 1.0
                key = m.key
                if key in lkeys:
                    continue        # the same phrase again: its statistics below change nothing
                lkeys.add(key)
                got = lstat.get((key, code_d))
                p, ov, lg_pos, lg_occ = got if got is not None else self.learned_stat(key, code_d)
                if ov > ovl_best:
                    ovl_best = ov
                if p * ov > lp_ovl:
                    lp_ovl, al_pos = p * ov, lg_pos
                miss *= 1.0 - p
                if p > lp:
                    lp, lpos, locc = p, lg_pos, lg_occ
                continue
            if src == "tabular":
                h_tab = 1.0
            elif src == "index":
                h_idx = 1.0
            elif src == "inclusion":
                h_inc = 1.0
            elif src == "lexicon":
                h_lex = 1.0
            if len(m.key) > key_len:
                key_len = len(m.key)
            kpos, kocc_ = base_key.get((m.key, code_d), (0, 0))
            p = (kpos + 0.5) / (kocc_ + 1.0)
            if p > kp:
                kp, kocc = p, math.log1p(kocc_)
        got_static = self._static_cache.get(code_d)
        if got_static is None:
            got_static = self._static(code_d, coder)
        prior, bprec, lbprop, chap_r, chap_z, unspec, cat_prior, cat_prec, prior_bprec, code, ancestors = got_static
        if prefixes is None:
            prefixes = code_prefixes(an)
        clf = an.clf.get(code_d, 0.0)
        negf = neg / n
        learned_any = h_lrn
        only_learned = float(learned_any == 1.0 and not (h_tab or h_idx or h_inc or h_lex))
        return [
            h_tab, h_idx, h_inc, learned_any, only_learned, float(key_len),
            _log1p(len(ms)), _log1p(len(sentences)), negf, pos_ / n, hist / n, fam / n, hyp / n, res / n,
            prior, lp, lpos, locc, bprec, lbprop, kp, kocc, float(ambig),
            float(any("combination" in r for r in c.rules)) if c.rules else 0.0, float(completed), chap_r, chap_z,
            min(ms[0].sentence / max(1, an.n_sentences), 1.0) if ms else 1.0,
            float(prefixes[code] > 1),
            float(not prefixes.keys().isdisjoint(ancestors)), _log1p(len(an.candidates)),
            unspec, lp * learned_any, prior_bprec, clf, float(code_d in an.clf), float(all_clf and bool(ms)),
            cat_prior, cat_prec, _log1p(len(lkeys)), 1.0 - miss, clf * lp, kp * h_idx, math.sqrt(lp),
            math.sqrt(clf), negf * bprec, ovl_best, lp_ovl, al_pos,
        ]

    def score(self, an: Analysis, coder: Coder) -> None:
        if self._folded is None:
            # standardisation folded into the weights once: z = b + sum(w_i * x_i)
            w = [c / s for c, s in zip(self.coef, self.scale, strict=True)]
            self._folded = (self.intercept - sum(wi * m for wi, m in zip(w, self.mean, strict=True)), w)
        b, w = self._folded
        pre = code_prefixes(an)
        scored: list[Candidate] = []
        rows: list[list[float]] = []
        for c in an.candidates.values():
            if self.trivial(c, an):
                c.score = 0.0
                continue
            x = self.features(c, an, coder, pre)
            c.features = x
            scored.append(c)
            rows.append(x)
        for c, z in zip(scored, _logits(rows, b, w), strict=True):
            c.score = 1.0 / (1.0 + math.exp(-z)) if z > -35 else 0.0

    # ------------------------------------------------------------ persistence
    def save(self, out_dir: Path) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        st = self.stats
        data = {
            "format": FORMAT, "features": list(FEATURES), "crossed": list(CROSSED), "coef": self.coef, "intercept": self.intercept,
            "mean": self.mean, "scale": self.scale, "threshold": self.threshold, "meta": self.meta,
            "n_docs": st.n_docs, "code_count": st.code_count, "cat_count": st.cat_count,
            "cat_base": {c: list(v) for c, v in st.cat_base.items()},
            "learned": [[" ".join(k), st.examples.get(k, ""), {c: list(v) for c, v in codes.items()}]
                        for k, codes in st.learned.items()],
            "base_code": {c: list(v) for c, v in st.base_code.items()},
            "base_key": [[" ".join(k), c, v[0], v[1]] for (k, c), v in st.base_key.items()],
            "overlap": [[" ".join(k), c, v] for (k, c), v in st.overlap.items()],
            "classifiers": {c: [b, [[" ".join(k), round(w, 5)] for k, w in ws.items()]]
                            for c, (b, ws) in self.classifiers.items()},
        }
        path = out_dir / MODEL_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, model_dir: Path) -> CoderModel:
        path = model_dir / MODEL_FILE if model_dir.is_dir() else model_dir
        if not path.exists():
            raise FileNotFoundError(f"{path}: no coder model here (train one with `chartclaim coder train`)")
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("features") != list(FEATURES) \
                or data.get("crossed") != list(CROSSED):
            raise ValueError(f"{path}: model format/features differ from this coder version; retrain it")
        st = Stats(n_docs=data["n_docs"], code_count=data["code_count"], cat_count=data["cat_count"],
                   cat_base={c: (v[0], v[1]) for c, v in data["cat_base"].items()})
        for k, ex, codes in data["learned"]:
            key = tuple(k.split(" "))
            st.learned[key] = {c: (v[0], v[1]) for c, v in codes.items()}
            if ex:
                st.examples[key] = ex
        st.base_code = {c: (v[0], v[1]) for c, v in data["base_code"].items()}
        st.base_key = {(tuple(k.split(" ")), c): (p, o) for k, c, p, o in data["base_key"]}
        st.overlap = {(tuple(k.split(" ")), c): v for k, c, v in data["overlap"]}
        clfs = {c: (b, {tuple(k.split(" ")): w for k, w in ws}) for c, (b, ws) in data["classifiers"].items()}
        return cls(st, data["coef"], data["intercept"], data["mean"], data["scale"], data["threshold"],
                   data.get("meta", {}), clfs)


def _logits(rows: list[list[float]], b: float, w: list[float]) -> list[float]:
    """``b + sum(w_i * expand(x)_i)`` for every row ``x``, for all candidates of a note at once: the crossed
    columns and the products in one step each, then a running sum along each row (``add.accumulate`` adds
    left to right, unlike ``sum``/``dot``), so the same floating-point result as the per-candidate sum."""
    if not rows:
        return []
    import numpy as np

    global _CROSS_COLS
    if _CROSS_COLS is None:
        _CROSS_COLS = (np.array([a for a, _c in _CROSS_IDX], dtype=np.intp),
                       np.array([c for _a, c in _CROSS_IDX], dtype=np.intp))
    a, c = _CROSS_COLS
    n = len(rows[0])
    X = np.fromiter(chain.from_iterable(rows), dtype=float, count=len(rows) * n).reshape(len(rows), n)
    terms = np.concatenate((X, X[:, a] * X[:, c]), axis=1)
    terms *= np.asarray(w, dtype=float)
    z: list[float] = (b + np.add.accumulate(terms, axis=1)[:, -1]).tolist()
    return z


_CROSS_COLS: tuple[Any, Any] | None = None


_LOG1P = [math.log1p(i) for i in range(4096)]


def _log1p(n: int) -> float:
    """``math.log1p`` of a count, from a table for the small counts features see all the time."""
    return _LOG1P[n] if n < 4096 else math.log1p(n)


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v)) if v > -35 else 0.0


def code_prefixes(an: Analysis) -> Counter[str]:
    """Every prefix (3+ characters) of every candidate code, counted; full codes are marked with '='."""
    return Counter(chain.from_iterable(map(_prefixes_of, an.candidates)))


_PREFIXES: dict[str, tuple[str, ...]] = {}


def _prefixes_of(code_dotted: str) -> tuple[str, ...]:
    """The prefixes :func:`code_prefixes` counts for one code (remembered: the same codes recur note after note)."""
    got = _PREFIXES.get(code_dotted)
    if got is None:
        c = nodot(code_dotted)
        got = (*(c[:i] for i in range(3, len(c) + 1)), "=" + c)
        if len(_PREFIXES) < 200_000:
            _PREFIXES[code_dotted] = got
    return got


class an_codes:
    __slots__ = ("p",)

    def __init__(self, p: Counter[str]) -> None:
        self.p = p

    def __contains__(self, code: object) -> bool:
        return ("=" + str(code)) in self.p


# ---------------------------------------------------------------- training
@dataclass(slots=True)
class _Prepared:
    doc: Doc
    gold: set[str]                       # undotted, as coded (credit: prediction starts with one)
    canon: set[str]                      # billable codes of this code-set version
    sent_keys: list[list[tuple[tuple[str, ...], int, int]]]   # per sentence: (key, start, end) n-grams


def _ngrams(coder: Coder, text: str) -> list[list[tuple[tuple[str, ...], int, int]]]:
    from chartclaim.coding.text import find_sections, normalise, split_sentences
    norm = normalise(text)
    out = []
    for sec in find_sections(norm):
        for s in split_sentences(text, sec.start, sec.end, sec.name):
            out.append(ngram_keys(coder.lexicon.tokens(text, norm, s.start, s.end), MAX_N))
    return out


def _code_tokens(coder: Coder) -> dict[str, set[str]]:
    """Tokens of every term that names a code (or its ancestors' terms), for alignment."""
    acc: dict[str, set[str]] = defaultdict(set)
    for key, entries in coder.base.terms.items():
        for e in entries:
            acc[nodot(e.code.rstrip("-"))].update(key)
    return acc


def _fit_stats(coder: Coder, prep: Sequence[_Prepared], base_an: Sequence[Analysis],
               code_toks: dict[str, set[str]], min_pos: int = 2, min_prec: float = 0.2,
               alpha: float | None = PRUNE_ALPHA) -> Stats:
    st = Stats(n_docs=len(prep))
    df: Counter[tuple[str, ...]] = Counter()
    co: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    aligned: set[tuple[tuple[str, ...], str]] = set()
    examples: dict[tuple[str, ...], str] = {}
    # a code's own words (its terms and its ancestors' terms), for alignment and the association test
    ct_cache: dict[str, set[str]] = {}

    def code_terms(c: str) -> set[str]:
        got = ct_cache.get(c)
        if got is None:
            acc: set[str] = set()
            pre = nodot(c)
            while len(pre) >= 3:
                acc |= code_toks.get(pre, set())
                pre = pre[:-1]
            acc -= GENERIC
            ct_cache[c] = got = acc
        return got

    for p in prep:
        keys: dict[tuple[str, ...], tuple[int, int]] = {}
        for sent in p.sent_keys:
            for key, s, e in sent:
                keys.setdefault(key, (s, e))
        canon = sorted(p.canon)     # set order varies between processes; ties must not, for a reproducible model
        for key in keys:
            df[key] += 1
            for c in canon:
                co[key][c] += 1
        for c in canon:
            st.code_count[c] = st.code_count.get(c, 0) + 1
        for cat in sorted({nodot(c)[:3] for c in canon}):
            st.cat_count[cat] = st.cat_count.get(cat, 0) + 1
        for c in canon:
            ct = code_terms(c)
            if not ct:
                continue
            best: tuple[float, tuple[str, ...]] | None = None
            for key in keys:
                hit = sum(1 for t in key if t in ct)
                if hit == 0:
                    continue
                sc = hit - 0.6 * (len(key) - hit)
                if best is None or sc > best[0] or (sc == best[0] and len(key) < len(best[1])):
                    best = (sc, key)
            if best is not None and best[0] > 0:
                aligned.add((best[1], c))
        for key, (s, e) in keys.items():
            if key not in examples:
                examples[key] = p.doc.text[s:e]
    # (key, code, pos, n, tested): the pairs the counts admit; tested = shares no word with the code's own terms
    admitted: list[tuple[tuple[str, ...], str, int, int, bool]] = []
    for key, codes in co.items():
        n = df[key]
        for c, pos in codes.items():
            if (pos >= min_pos and pos / (n + 1.0) >= min_prec) or ((key, c) in aligned and pos / (n + 1.0) >= 0.1):
                admitted.append((key, c, pos, n, alpha is not None and not any(t in code_terms(c) for t in key)))
    tested = [a for a in admitted if a[4]]
    verdict = iter(_associated([a[2] for a in tested], [a[3] for a in tested], [st.code_count[a[1]] for a in tested],
                          st.n_docs, alpha))
    learned: dict[tuple[str, ...], dict[str, tuple[int, int]]] = {}
    for key, c, pos, n, test in admitted:
        if test and not next(verdict):
            st.pruned += 1
            continue
        learned.setdefault(key, {})[c] = (pos, n)
    for key in learned:
        if len(learned[key]) > 6:
            learned[key] = dict(sorted(learned[key].items(), key=lambda kv: -kv[1][0])[:6])
        st.examples[key] = examples.get(key, " ".join(key))
    st.learned = learned
    for key, lcodes in learned.items():
        for c in lcodes:
            got = code_terms(c)
            ovl = sum(1 for t in key if t in got) / len(key)
            if ovl > 0:
                st.overlap[(key, c)] = round(ovl, 3)
    bc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    bk: dict[tuple[tuple[str, ...], str], list[int]] = defaultdict(lambda: [0, 0])
    for p, an in zip(prep, base_an, strict=True):
        for cand in an.candidates.values():
            ok = int(credited(cand.code, p.gold))
            bc[cand.code][0] += ok
            bc[cand.code][1] += 1
            for key in {m.key for m in cand.mentions}:
                bk[(key, cand.code)][0] += ok
                bk[(key, cand.code)][1] += 1
    st.base_code = {c: (v[0], v[1]) for c, v in bc.items()}
    cb: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for code, (pos, prop) in st.base_code.items():
        cb[nodot(code)[:3]][0] += pos
        cb[nodot(code)[:3]][1] += prop
    st.cat_base = {c: (v[0], v[1]) for c, v in cb.items()}
    st.base_key = {k: (v[0], v[1]) for k, v in bk.items() if v[1] >= 2}
    return st


def _associated(pos: Sequence[int], n: Sequence[int], code_n: Sequence[int], n_docs: int,
                alpha: float | None) -> list[bool]:
    """For each pair: is P(X >= pos) < alpha, X ~ Hypergeometric(n_docs notes, code_n of them coded, n of them
    holding the phrase)? (the one-sided Fisher exact test of phrase-code association)."""
    if alpha is None:
        return [True] * len(pos)
    import numpy as np
    from scipy.stats import hypergeom

    p = hypergeom.sf(np.asarray(pos) - 1, n_docs, np.asarray(code_n), np.asarray(n))
    return [bool(x < alpha) for x in p]


def _fit_classifiers(prep: Sequence[_Prepared], min_docs: int = 3, max_n: int = 2,
                     c_reg: float = 0.3) -> dict[str, tuple[float, dict[tuple[str, ...], float]]]:
    """One sparse (L1) logistic model per code seen in ``min_docs`` notes, over the note's 1-2 word keys:
    catches codes coders assign from the whole picture (R69, R52...) rather than from one phrase."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    doc_keys = [{k for sent in p.sent_keys for k, _s, _e in sent if len(k) <= max_n} for p in prep]
    df: Counter[tuple[str, ...]] = Counter(k for ks in doc_keys for k in ks)
    vocab = {k: i for i, k in enumerate(sorted(k for k, n in df.items() if n >= 2))}
    inv = list(vocab)
    rows, cols = [], []
    for r, ks in enumerate(doc_keys):
        for k in ks:
            if k in vocab:
                rows.append(r)
                cols.append(vocab[k])
    X = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(prep), len(vocab)))
    counts: Counter[str] = Counter(c for p in prep for c in p.canon)
    out: dict[str, tuple[float, dict[tuple[str, ...], float]]] = {}
    for code, n in sorted(counts.items()):
        if n < min_docs or n > len(prep) - 2:
            continue
        y = np.asarray([int(code in p.canon) for p in prep])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")       # 'penalty' is deprecated in newer scikit-learn, required in older
            clf = LogisticRegression(penalty="l1", solver="liblinear", C=c_reg, random_state=0).fit(X, y)
        w = clf.coef_[0]
        nz = np.flatnonzero(np.abs(w) > 1e-4)
        out[code] = (float(clf.intercept_[0]), {inv[j]: float(w[j]) for j in nz})
    return out


def _best_threshold(scores: list[float], labels: list[int], groups: list[int],
                    gold_per_doc: dict[int, int]) -> tuple[float, float, float]:
    """The score threshold that maximises micro-F1 + MAP_WEIGHT * MAP out of fold (both are how coded output is
    judged: what is listed, and how well it is ranked). Returns (threshold, F1, MAP)."""
    n_gold = sum(gold_per_doc.values())
    by_doc: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for sc, y, g in zip(scores, labels, groups, strict=True):
        by_doc[g].append((sc, y))
    for lst in by_doc.values():
        lst.sort(key=lambda t: -t[0])
    best = (-1.0, 0.5, 0.0, 0.0)
    for thr in sorted({round(x, 3) for x in scores if x >= 0.05}):
        tp = npred = 0
        ap_sum = 0.0
        for g, lst in by_doc.items():
            hits = 0
            ap = 0.0
            for k, (sc, y) in enumerate(lst, 1):
                if sc < thr:
                    break
                npred += 1
                if y:
                    hits += 1
                    ap += hits / k
            tp += hits
            ap_sum += ap / gold_per_doc[g] if gold_per_doc.get(g) else 0.0
        f1 = 2 * tp / (npred + n_gold) if n_gold else 0.0
        mean_ap = ap_sum / max(1, len(gold_per_doc))
        if f1 + MAP_WEIGHT * mean_ap > best[0]:
            best = (f1 + MAP_WEIGHT * mean_ap, thr, f1, mean_ap)
    return best[1], best[2], best[3]


def _context_choice(scores: list[float], labels: list[int], groups: list[int], context: list[bool],
                    gold_per_doc: dict[int, int]) -> tuple[bool, float, float, float]:
    """Do these coders code negated, hypothetical and family mentions (abstractors of case reports often code
    "serology negative for X")? Decided out of fold: such candidates (``context``) are left to the re-ranker
    only when that scores better than the guideline rule that drops them; with no such mentions the rule
    stands. Returns (leave to the re-ranker, threshold, F1, MAP) of the better choice."""
    thr, f1, mean_ap = _best_threshold(scores, labels, groups, gold_per_doc)
    keep = [i for i, f in enumerate(context) if not f]
    rule = _best_threshold([scores[i] for i in keep], [labels[i] for i in keep], [groups[i] for i in keep],
                           gold_per_doc)
    if f1 + MAP_WEIGHT * mean_ap > rule[1] + MAP_WEIGHT * rule[2] + 1e-9:
        return True, thr, f1, mean_ap
    return False, *rule


def train(coder: Coder, docs: Sequence[Doc], folds: int = 5, seed: int = 13,
          progress: Callable[[str], None] | None = None, dump: str | None = None) -> CoderModel:
    """Fit a model on coded notes. ``coder`` must be model-free (its terminology is reused)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    say = progress or (lambda _m: None)
    prep: list[_Prepared] = []
    for d in docs:
        gold = {nodot(c) for c in d.codes if c.strip()}
        canon = {k for c in gold if (k := coder.assigner.canonical(c))}
        prep.append(_Prepared(d, gold, canon, _ngrams(coder, d.text)))
    say(f"prepared {len(prep)} notes")
    base = coder.with_model(None)
    base_an = [base.analyse(p.doc.text) for p in prep]
    say("terminology pass done")
    code_toks = _code_tokens(coder)
    order = list(range(len(prep)))
    random.Random(seed).shuffle(order)
    fold_of = {d: i % folds for i, d in enumerate(order)}
    X: list[list[float]] = []
    y: list[int] = []
    groups: list[int] = []
    ctx: list[bool] = []
    for fold in range(folds):
        inside = [i for i in range(len(prep)) if fold_of[i] != fold]
        st = _fit_stats(coder, [prep[i] for i in inside], [base_an[i] for i in inside], code_toks)
        m = CoderModel(st, classifiers=_fit_classifiers([prep[i] for i in inside]))
        fc = coder.with_model(m)
        for i in (i for i in range(len(prep)) if fold_of[i] == fold):
            an = fc.analyse(prep[i].doc.text)
            for c in an.candidates.values():
                if m.trivial(c, an):
                    continue
                X.append(expand(m.features(c, an, coder)))
                y.append(int(credited(c.code, prep[i].gold)))
                groups.append(i)
                ctx.append(context_only(c))
        say(f"fold {fold + 1}/{folds}: {len(X)} candidates")
    Xa = np.asarray(X, dtype=float)
    ya = np.asarray(y, dtype=int)
    if dump is not None:
        np.savez(dump, X=Xa, y=ya, groups=np.asarray(groups), folds=np.asarray([fold_of[i] for i in groups]),
                 n_gold=sum(len(p.gold) for p in prep))
    mean = Xa.mean(axis=0)
    scale = Xa.std(axis=0)
    scale[scale < 1e-9] = 1.0
    Z = (Xa - mean) / scale
    # Out-of-fold scores for the threshold: refit per fold on the other folds' candidates.
    g = np.asarray(groups)
    fold_arr = np.asarray([fold_of[i] for i in groups])
    oof = np.zeros(len(ya))
    for fold in range(folds):
        tr, te = fold_arr != fold, fold_arr == fold
        clf = LogisticRegression(C=0.5, max_iter=3000).fit(Z[tr], ya[tr])
        oof[te] = clf.predict_proba(Z[te])[:, 1]
    # The threshold is chosen on out-of-fold scores, never on the notes a score was fitted on.
    defer_context, thr, f1, oof_map = _context_choice(oof.tolist(), ya.tolist(), groups, ctx,
                                                      {i: len(p.gold) for i, p in enumerate(prep)})
    clf = LogisticRegression(C=0.5, max_iter=3000).fit(Z, ya)
    del g
    say(f"re-ranker fitted; out of fold: F1 {f1:.3f}, MAP {oof_map:.3f} at threshold {thr:.3f}; negated/family "
        f"mentions in abstraction: {'re-ranker decides' if defer_context else 'not coded'}")
    stats = _fit_stats(coder, prep, base_an, code_toks)
    return CoderModel(stats, clf.coef_[0].tolist(), float(clf.intercept_[0]), mean.tolist(), scale.tolist(),
                      float(thr), {"notes": len(prep), "candidates": len(ya), "oof_f1": round(f1, 4), "oof_map": round(oof_map, 4),
                                   "terminology": coder.term.version, "defer_context": defer_context,
                                   "prune_alpha": PRUNE_ALPHA, "pruned_pairs": stats.pruned,
                                   "learned_phrases": len(stats.learned),
                                   "learned_pairs": sum(len(v) for v in stats.learned.values())},
                      _fit_classifiers(prep))
