"""The compiled term dictionary and its matcher.

A term is the SET of its content tokens (stemmed, synonym-mapped, stopwords and filler words dropped), so
'pain in the left knee', 'left knee pain' and 'knee pain, left' all match the term {pain, left, knee}. Each
term is filed under its rarest token (the anchor); a sentence looks up its own tokens as anchors and checks
that the rest of the term is close by. Terms come from the Tabular (descriptions, inclusion terms), the
imported Alphabetic Index, our lexicon and, with a model, phrases learned from coded history."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter

from chartclaim.coding.lexicon import GENERIC, OPTIONAL, WEAK_SINGLE, Lexicon, Tok
from chartclaim.coding.terminology import Terminology, main_term_forms

SLACK = 3          # extra tokens allowed inside a match ("fracture of the shaft of the left femur")

_END_STAGE = re.compile(r"\bend[- ]stage\b")
_PAREN = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")
_ENCOUNTER = re.compile(r",?\s*(?:initial|subsequent) encounter.*$|,?\s*sequela$")
_FILLER = re.compile(r"\b(?:unspecified|not elsewhere classified|nec|nos|not otherwise specified)\b")
_WITH = re.compile(r"\bwith\b")
_WITHOUT = re.compile(r"\s+without\s+.*$|,?\s+not\s+(?:stated|specified)\s+as\s+.*$")


def term_variants(text: str) -> list[str]:
    """Matchable wordings of a description: non-essential modifiers, encounter wording and 'without ...'
    clauses (the default when the note says nothing) are optional."""
    t = _END_STAGE.sub("endstage", _ENCOUNTER.sub("", text.lower()))
    out = [_FILLER.sub(" ", _PAREN.sub("", t))]
    cut = _WITHOUT.sub("", out[0])
    # '..., without refractory migraine, with status migrainosus': the cut would drop a 'with' the code needs
    if cut != out[0] and cut.strip() and not _WITH.search(out[0][len(cut):]):
        out.append(cut)
    return out


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    source: str         # tabular | inclusion | index | lexicon | learned
    text: str           # the term as written in its source


@dataclass(slots=True)
class Match:
    key: tuple[str, ...]
    entries: list[Entry]
    idx: tuple[int, ...]          # token indices in the sentence
    start: int
    end: int


@dataclass(slots=True)
class TermDictionary:
    lexicon: Lexicon
    terms: dict[tuple[str, ...], list[Entry]] = field(default_factory=dict)
    anchors: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = field(default_factory=dict)
    # A number in a term belongs to the word before it ('stage 3', 'type 2'): the note must say it there too.
    heads: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)
    # anchor -> second token (the rarest of the rest; "" for one-token terms) -> [(place in the anchor's list,
    # key, rest)]: a sentence visits only the terms whose two rarest tokens it contains
    pairs: dict[str, dict[str, list[tuple[int, tuple[str, ...], frozenset[str]]]]] = field(default_factory=dict)
    # anchor -> its second tokens (without ""): a sentence's tokens meet them in one set intersection
    seconds: dict[str, frozenset[str]] = field(default_factory=dict)

    def key_of(self, text: str) -> tuple[str, ...] | None:
        toks = {t for t in self.lexicon.norms(text.lower()) if t not in OPTIONAL}
        if not toks or all(t in GENERIC or len(t) < 3 or t.isdigit() for t in toks):
            return None
        return tuple(sorted(toks))

    def add(self, text: str, entry: Entry, key: tuple[str, ...] | None = None) -> None:
        key = key or self.key_of(text)
        if key is None:
            return
        if any(k.isdigit() for k in key) and key not in self.heads:
            seq = [t for t in self.lexicon.norms(text) if t not in OPTIONAL]
            self.heads[key] = {t: seq[i - 1] for i, t in enumerate(seq) if t.isdigit() and i > 0 and t in key}
        lst = self.terms.setdefault(key, [])
        if not any(e.code == entry.code and e.source == entry.source for e in lst):
            lst.append(entry)

    def compile(self) -> None:
        freq: Counter[str] = Counter()
        for key in self.terms:
            freq.update(key)
        anchors: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
        for key in self.terms:
            anchor = min(key, key=lambda t: (freq[t] + (10**6 if t in GENERIC else 0), t))
            anchors.setdefault(anchor, []).append((key, frozenset(key) - {anchor}))
        self.anchors = anchors
        pairs: dict[str, dict[str, list[tuple[int, tuple[str, ...], frozenset[str]]]]] = {}
        for anchor, lst in anchors.items():
            by_second: dict[str, list[tuple[int, tuple[str, ...], frozenset[str]]]] = {}
            for i, (key, rest) in enumerate(lst):
                second = min(rest, key=lambda t: (freq[t] + (10**6 if t in GENERIC else 0), t)) if rest else ""
                by_second.setdefault(second, []).append((i, key, rest))
            pairs[anchor] = by_second
        self.pairs = pairs
        self.seconds = {anchor: frozenset(by_second) - {""} for anchor, by_second in pairs.items()}

    def terms_at(self, anchor: str, present: set[str]) -> list[tuple[str, ...]]:
        """Keys of the terms filed under ``anchor`` whose every token is in ``present``, in filing order (what
        :meth:`match` does per anchor token, written out there for speed)."""
        by_second = self.pairs.get(anchor)
        if by_second is None:
            return []
        hits = [x for t in self.seconds[anchor] & present for x in by_second[t]]
        hits.extend(by_second.get("", ()))
        hits.sort()
        return [key for _i, key, rest in hits if not rest or rest <= present]

    def match(self, toks: list[Tok]) -> list[Match]:
        pos: dict[str, list[int]] = {}
        for i, t in enumerate(toks):
            pos.setdefault(t.norm, []).append(i)
        present = set(pos)
        found: dict[tuple[tuple[str, ...], tuple[int, ...]], Match] = {}
        terms = self.terms
        heads_of = self.heads
        pairs = self.pairs
        seconds = self.seconds
        for norm, where in pos.items():
            # terms_at(norm, present), written out: a call per anchor token of every sentence cost ~8% of coding
            # a note with a model (test_speed_paths checks terms_at against a scan of the anchor's list)
            by_second = pairs.get(norm)
            if by_second is None:
                continue          # no term is filed under this token (a third of a note's tokens)
            hits = [x for t in seconds[norm] & present for x in by_second[t]]
            alone = by_second.get("")
            if alone:
                hits.extend(alone)
            if not hits:
                continue
            hits.sort()
            for _i, key, rest in hits:
                if rest and not rest <= present:
                    continue
                heads = heads_of.get(key)
                if len(key) == 1:
                    # a one-token term: the token itself is the match (no span, order or group checks)
                    for i in where:
                        if heads and not all(
                                any(toks[p - 1].norm == h for p in pos[d] if p > 0) for d, h in heads.items()):
                            continue
                        if (key, (i,)) in found:
                            continue
                        found[(key, (i,))] = Match(key, terms[key], (i,), toks[i].start, toks[i].end)
                    continue
                for i in where:
                    idx = []
                    for k in key:
                        ps = pos[k]
                        if len(ps) == 1:
                            idx.append(ps[0])
                            continue
                        # nearest occurrence to the anchor; the earlier one on a tie
                        best = ps[0]
                        bd = abs(best - i)
                        for p in ps:
                            d = abs(p - i)
                            if d < bd:
                                best, bd = p, d
                        idx.append(best)
                    lo, hi = min(idx), max(idx)
                    if hi - lo + 1 > len(key) + SLACK:
                        continue
                    if heads and not all(
                            any(toks[p - 1].norm == h for p in pos[d] if p > 0) for d, h in heads.items()):
                        continue
                    tidx = tuple(sorted(set(idx)))
                    groups = {toks[j].group for j in tidx if toks[j].group >= 0}
                    if len(groups) > 1:
                        continue     # "HTN and COPD" is not "pulmonary hypertension"
                    if (key, tidx) in found:
                        continue
                    found[(key, tidx)] = Match(key, terms[key], tidx, toks[lo].start,
                                               max(toks[j].end for j in tidx))
        return list(found.values())


def ngram_keys(toks: list[Tok], max_n: int) -> list[tuple[tuple[str, ...], int, int]]:
    """Order-free keys of every run of 1..max_n content tokens (numbers of 3+ digits left out)."""
    toks = [t for t in toks if not t.norm.isdigit() or len(t.norm) < 3]
    out = []
    for i in range(len(toks)):
        for n in range(1, max_n + 1):
            if i + n > len(toks):
                break
            key = tuple(sorted({t.norm for t in toks[i:i + n]}))
            if all(k in GENERIC or k.isdigit() for k in key):
                continue
            out.append((key, toks[i].start, toks[i + n - 1].end))
    return out


# The Table of Neoplasms gives one site six codes, one per behaviour column. A note names the behaviour with
# a word, and the Index's own cross-references say which column each word selects: Carcinoma, Cancer,
# Malignancy -> Neoplasm, malignant; Metastasis -> secondary; Adenoma -> benign; Tumor (a synonym of
# neoplasm here) and Neoplasia -> unspecified behavior. Each site is filed once per column under the
# column's words, so "tumor of the bladder" reads D49.4, "bladder carcinoma" C67.9 and "liver metastasis"
# C78.7 instead of one reading for every behaviour.
_NEOPLASM_HEADS = {
    "primary": ("malignant neoplasm", "carcinoma", "cancer", "adenocarcinoma"),
    "secondary": ("secondary malignant neoplasm", "metastasis"),
    "in situ": ("carcinoma in situ",),
    "benign": ("benign neoplasm", "adenoma"),
    "uncertain": ("neoplasm of uncertain behavior",),
    "unspecified": ("neoplasm",),
}


def neoplasm_column(code: str) -> str | None:
    """The Neoplasm Table column a code belongs to, from its range (ICD-10-CM chapter 2)."""
    c = code.replace(".", "").upper()
    if len(c) < 3 or c[0] not in "CD" or not c[1:3].isdigit():
        return "primary" if c[:3] in ("C7A", "C4A") else "secondary" if c[:3] == "C7B" else \
            "benign" if c[:3] == "D3A" else None
    n = int(c[1:3])
    if c[0] == "C":
        return "secondary" if 77 <= n <= 79 else "primary"
    if n <= 9:
        return "in situ"
    if n <= 36:
        return "benign"
    if n <= 48:
        return "uncertain"
    return "unspecified" if n == 49 else None


def _add_neoplasm(d: TermDictionary, path: list[str], code: str, heads: dict[str, tuple[str, ...]]) -> None:
    column = neoplasm_column(code)
    if column is None:
        return
    site = " ".join(path[1:])
    shown = ", ".join(path) + f" ({column})"
    for head in heads[column]:
        for v in term_variants(f"{head} {site}"):
            d.add(v, Entry(code, "index", shown))


def neoplasm_heads(term: Terminology) -> dict[str, tuple[str, ...]]:
    """Words naming each behaviour column: ours, plus the Index's main terms that refer to the table by site
    ('Cystadenoma - see also Neoplasm, benign, by site')."""
    acc = {col: list(words) for col, words in _NEOPLASM_HEADS.items()}
    for word, col in sorted(term.neoplasm_heads.items()):
        if col in acc and word not in acc[col]:
            acc[col].append(word)
    return {col: tuple(words) for col, words in acc.items()}


def _index_texts(path: list[str]) -> list[str]:
    """The wordings of one Index line, a word form of the main term and of each subterm at a time
    ('Calculus, calculi, calculous, kidney' -> 'Calculus kidney', 'calculi kidney', 'calculous kidney');
    the first is the line read with every first form."""
    out: list[list[str]] = [[]]
    for part in path:
        forms = main_term_forms(part)
        if len(out) * len(forms) > 8:        # a line of several form lists: first forms beyond the main term
            forms = forms[:1]
        out = [[*acc, f] for acc in out for f in forms]
    return [" ".join(words) for words in out]


def build_dictionary(term: Terminology, lexicon: Lexicon, extra: Iterable[tuple[str, Entry]] = ()) -> TermDictionary:
    d = TermDictionary(lexicon)
    for code, info in term.codes.items():
        if info.generated7 or info.kind in ("chapter", "block"):
            continue
        for v in term_variants(info.description):
            d.add(v, Entry(code, "tabular", info.description))
        for inc in info.inclusion:
            if (key := d.key_of(inc)) is not None and len(key) == 1 and key[0] in WEAK_SINGLE:
                continue
            for v in term_variants(inc):
                d.add(v, Entry(code, "inclusion", inc))
    heads = neoplasm_heads(term)
    for it in term.index:
        path = [p for p in it.path if p]
        if not path:
            continue
        if it.source == "neoplasm":
            _add_neoplasm(d, path, it.code, heads)
            continue
        code = it.code
        entry = Entry(code, "index", ", ".join(path))
        for n, text in enumerate(_index_texts(path)):
            key = d.key_of(text)
            # alone, a main term is read from its noun, the first form: an adjective alone ('asthmatic',
            # 'deficient', 'failed') names no condition ('Asthma, asthmatic, specified NEC' is the word alone too)
            if key is not None and len(key) == 1 and (n > 0 or key[0] in WEAK_SINGLE):
                continue
            for v in term_variants(text):
                d.add(v, entry)
    for text, entry in extra:
        d.add(text, entry)
    d.compile()
    return d


class GramIndex:
    """The 1-3 token runs of a whole note looked up at once, as integers (what :func:`ngram_keys` plus a dict
    lookup per run gives, for the learned phrases and the document classifiers' keys).

    Every token of a key this index holds gets an integer id at model load; the order-free key of a run is the
    sorted set of its ids packed into one int64 (``x+1``, ``(x+1)*W+(y+1)`` or ``((x+1)*W+(y+1))*W+(z+1)``,
    W = vocabulary size + 1, so keys of different lengths never collide). A note's runs are built with numpy
    and looked up with ``searchsorted``; only the runs found come back to Python. A run with a token outside
    the vocabulary cannot be a held key; runs of weak tokens only (:func:`ngram_keys` skips them) are never
    held, so the runs found, and their order, are those of :func:`ngram_keys` followed by the lookups."""

    def __init__(self, learned: Iterable[tuple[str, ...]], classifier: Iterable[tuple[str, ...]]) -> None:
        import numpy as np

        rows: dict[tuple[str, ...], list[int]] = {}         # key -> [learned?, classifier key number]
        for k in learned:
            if self._indexable(k):
                rows.setdefault(k, [0, -1])[0] = 1
        for j, k in enumerate(classifier):
            if self._indexable(k):
                rows.setdefault(k, [0, -1])[1] = j
        vocab: dict[str, int] = {}
        for k in rows:
            for t in k:
                vocab.setdefault(t, len(vocab))
        self.vocab = vocab
        self.width = w = len(vocab) + 1
        if w ** 3 >= 2 ** 63:   # a 3-token key packed in one int64 (about 2 million distinct words)
            raise ValueError(f"GramIndex: {len(vocab):,} distinct words do not pack into 64-bit keys")
        codes = []
        for k in rows:
            c = 0
            for x in sorted(vocab[t] for t in k):       # as a run packs them: ids ascending
                c = c * w + x + 1
            codes.append(c)
        order = sorted(range(len(codes)), key=codes.__getitem__)
        keys = list(rows)
        self.codes = np.asarray([codes[i] for i in order], dtype=np.int64)
        self.keys = [keys[i] for i in order]
        self.learned = np.asarray([rows[keys[i]][0] for i in order], dtype=bool)
        self.clf = np.asarray([rows[keys[i]][1] for i in order], dtype=np.int64)
        # token norm -> id (-1 outside the vocabulary, -2 for a number of 3+ digits, which runs skip)
        self._ids: dict[str, int] = {}

    @staticmethod
    def _indexable(k: tuple[str, ...]) -> bool:
        """A key some run can have: 1-3 distinct sorted tokens, not all weak, no number of 3+ digits."""
        return (0 < len(k) <= 3 and tuple(sorted(set(k))) == k
                and not all(t in GENERIC or t.isdigit() for t in k)
                and not any(t.isdigit() and len(t) >= 3 for t in k))

    def _id(self, norm: str) -> int:
        got = self._ids.get(norm)
        if got is None:
            got = -2 if norm.isdigit() and len(norm) >= 3 else self.vocab.get(norm, -1)
            if len(self._ids) < 200_000:
                self._ids[norm] = got
        return got

    def lookup(self, sentences: list[list[Tok]]
               ) -> tuple[list[list[tuple[tuple[str, ...], int, int]]], list[tuple[tuple[str, ...], int, int, int, int]]]:
        """For each sentence, its learned runs (key, start, end) in :func:`ngram_keys` order, a run inside a
        longer learned run of the same sentence left out (as ``Coder._learned_mentions`` does); and the
        classifier keys of 1-2 distinct tokens, each at its first run in the note: (key, classifier key
        number, sentence, start, end), in order of first appearance."""
        import numpy as np

        found: list[list[tuple[tuple[str, ...], int, int]]] = [[] for _ in sentences]
        clf_first: list[tuple[tuple[str, ...], int, int, int, int]] = []
        toks = [t for ts in sentences for t in ts]
        if not toks or not len(self.codes):
            return found, clf_first
        norms = list(map(itemgetter(2), toks))
        ids = list(map(self._ids.get, norms))
        if None in ids:                              # a token not seen before
            ids = list(map(self._id, norms))
        x = np.asarray(ids, dtype=np.int64)
        st = np.asarray([t[0] for t in toks], dtype=np.int64)
        en = np.asarray([t[1] for t in toks], dtype=np.int64)
        s = np.repeat(np.arange(len(sentences), dtype=np.int64), [len(ts) for ts in sentences])
        keep = x != -2                                # numbers of 3+ digits: runs skip them
        if not keep.all():
            x, st, en, s = x[keep], st[keep], en[keep], s[keep]
        m = len(x)
        if not m:
            return found, clf_first
        w = self.width
        x = x + 1                                     # 0: outside the vocabulary
        grid = np.full((m, 3), -1, dtype=np.int64)       # row a: runs of 1, 2, 3 tokens starting at a
        grid[:, 0] = np.where(x > 0, x, -1)
        if m >= 2:
            a, b = x[:-1], x[1:]
            lo, hi = np.minimum(a, b), np.maximum(a, b)
            ok = (lo > 0) & (s[:-1] == s[1:])
            grid[:-1, 1] = np.where(ok, np.where(lo == hi, hi, lo * w + hi), -1)
        if m >= 3:
            t3 = np.sort(np.stack((x[:-2], x[1:-1], x[2:]), axis=1), axis=1)
            p, q, r = t3[:, 0], t3[:, 1], t3[:, 2]
            c3 = np.where(p == q, np.where(q == r, r, q * w + r), np.where(q == r, p * w + r, (p * w + q) * w + r))
            ok = (p > 0) & (s[:-2] == s[2:])
            grid[:-2, 2] = np.where(ok, c3, -1)
        flat = grid.ravel()
        at = np.searchsorted(self.codes, flat)
        np.minimum(at, len(self.codes) - 1, out=at)
        hit = np.flatnonzero(self.codes[at] == flat)
        if not len(hit):
            return found, clf_first
        rows = at[hit]
        start, n = np.divmod(hit, 3)
        end = start + n
        keys = self.keys
        lrn = self.learned[rows]
        if lrn.any():
            # runs inside a longer learned run (cells (start, length) it covers) are left out
            covered = np.zeros(len(flat) + 6, dtype=bool)
            h2 = hit[lrn & (n == 1)]
            covered[h2 - 1] = covered[h2 + 2] = True
            h3 = hit[lrn & (n == 2)]
            for off in (-2, 1, 4, -1, 2):
                covered[h3 + off] = True
            keep_l = lrn & ~covered[hit]
            for j, row, a, e in zip(s[start[keep_l]].tolist(), rows[keep_l].tolist(), st[start[keep_l]].tolist(),
                                    en[end[keep_l]].tolist(), strict=True):
                found[j].append((keys[row], a, e))
        kid = self.clf[rows]
        code = flat[hit]
        sel = np.flatnonzero((kid >= 0) & (code < w * w))        # classifier keys of 1-2 distinct tokens
        if len(sel):
            seen: set[int] = set()
            for c, row, k, j, a, e in zip(code[sel].tolist(), rows[sel].tolist(), kid[sel].tolist(),
                                          s[start[sel]].tolist(), st[start[sel]].tolist(), en[end[sel]].tolist(),
                                          strict=True):
                if c not in seen:                      # each key at its first run, in note order
                    seen.add(c)
                    clf_first.append((keys[row], k, j, a, e))
        return found, clf_first
