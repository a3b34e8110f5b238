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


# a term as its anchor files it: (place in the anchor's list, key, the key's other tokens, the number heads
# (TermDictionary.heads) or None, the entries (TermDictionary.terms))
Filed = tuple[int, tuple[str, ...], frozenset[str], dict[str, str] | None, list[Entry]]


@dataclass(slots=True)
class TermDictionary:
    lexicon: Lexicon
    terms: dict[tuple[str, ...], list[Entry]] = field(default_factory=dict)
    anchors: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = field(default_factory=dict)
    # A number in a term belongs to the word before it ('stage 3', 'type 2'): the note must say it there too.
    heads: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)
    # anchor -> second token (the rarest of the rest; "" for one-token terms) -> [(place in the anchor's list,
    # key, rest, heads, entries)]: a sentence visits only the terms whose two rarest tokens it contains
    pairs: dict[str, dict[str, list[Filed]]] = field(default_factory=dict)
    # anchor -> (its second tokens without "", its pairs entry, its one-token terms): what a sentence needs of an
    # anchor in one lookup; the second tokens meet the sentence's tokens in one set intersection
    index: dict[str, tuple[frozenset[str], dict[str, list[Filed]], list[Filed]]] = field(default_factory=dict)

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
        pairs: dict[str, dict[str, list[Filed]]] = {}
        for anchor, lst in anchors.items():
            by_second: dict[str, list[Filed]] = {}
            for i, (key, rest) in enumerate(lst):
                second = min(rest, key=lambda t: (freq[t] + (10**6 if t in GENERIC else 0), t)) if rest else ""
                # the term's number heads and entries ride along: a hit needs no lookup in the (large) dicts
                by_second.setdefault(second, []).append((i, key, rest, self.heads.get(key), self.terms[key]))
            pairs[anchor] = by_second
        self.pairs = pairs
        self.index = {anchor: (frozenset(by_second) - {""}, by_second, by_second.get("", []))
                      for anchor, by_second in pairs.items()}

    def terms_at(self, anchor: str, present: set[str]) -> list[tuple[str, ...]]:
        """Keys of the terms filed under ``anchor`` whose every token is in ``present``, in filing order (what
        :meth:`match` does per anchor token, written out there for speed)."""
        got = self.index.get(anchor)
        if got is None:
            return []
        seconds, by_second, alone = got
        hits = [x for t in seconds & present for x in by_second[t]]
        hits.extend(alone)
        hits.sort()
        return [key for _i, key, rest, _h, _e in hits if not rest or rest <= present]

    def match(self, toks: list[Tok]) -> list[Match]:
        pos: dict[str, list[int]] = {}
        for i, t in enumerate(toks):
            pos.setdefault(t.norm, []).append(i)
        present = set(pos)
        found: dict[tuple[tuple[str, ...], tuple[int, ...]], Match] = {}
        index_get = self.index.get
        for norm, where in pos.items():
            # terms_at(norm, present), written out: a call per anchor token of every sentence cost ~8% of coding
            # a note with a model (test_speed_paths checks terms_at against a scan of the anchor's list)
            got = index_get(norm)
            if got is None:
                continue          # no term is filed under this token (a third of a note's tokens)
            seconds, by_second, alone = got
            common = seconds & present
            if common:
                hits = [x for t in common for x in by_second[t]]
                if alone:
                    hits.extend(alone)
                if len(common) > 1 or alone:
                    hits.sort()       # one second token's list is already in filing order
            elif alone:
                hits = alone
            else:
                continue
            for _i, key, rest, heads, entries in hits:
                if rest and not rest <= present:
                    continue
                if len(key) == 1:
                    # a one-token term: the token itself is the match (no span, order or group checks)
                    for i in where:
                        if heads and not all(
                                any(toks[p - 1].norm == h for p in pos[d] if p > 0) for d, h in heads.items()):
                            continue
                        if (key, (i,)) in found:
                            continue
                        found[(key, (i,))] = Match(key, entries, (i,), toks[i].start, toks[i].end)
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
                    found[(key, tidx)] = Match(key, entries, tidx, toks[lo].start,
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
    typed: dict[tuple[str, ...], list[tuple[str, str, str]]] = {}  # see _add_typed_heads
    for code, info in term.codes.items():
        if info.generated7 or info.kind in ("chapter", "block"):
            continue
        for v in term_variants(info.description):
            d.add(v, Entry(code, "tabular", info.description))
        if (head := _typed_head(info.description)) is not None and (key := d.key_of(head)) is not None:
            typed.setdefault(key, []).append((code, head, info.description))
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
    _add_typed_heads(d, typed)
    d.compile()
    return d


# 'Chronic lymphocytic leukemia of B-cell type': a title that ends by naming a cell type
_OF_TYPE = re.compile(r"^(.+?)\s+of\s+([\w\- ]+?)\s+type$", re.IGNORECASE)


def _typed_head(description: str) -> str | None:
    """The head of a title that ends by naming a specific type ('Chronic lymphocytic leukemia' of '... of B-cell
    type'), else None ('specified' and 'unspecified' types too: an unspecified type is already optional, see
    `term_variants`). The regex only for the few titles ending in 'type' (it backtracks on every other one)."""
    text = description.strip()
    if text[-5:].lower() != " type" or (m := _OF_TYPE.match(text)) is None:
        return None
    return None if m.group(2).lower() in ("specified", "unspecified", "specified cell", "unspecified cell") \
        else m.group(1)


def _add_typed_heads(d: TermDictionary, typed: dict[tuple[str, ...], list[tuple[str, str, str]]]) -> None:
    """A title that ends by naming a type ('Chronic lymphocytic leukemia of B-cell type', C91.1) is also its head
    alone ('chronic lymphocytic leukemia') when no other code's title has that head and no term already has its
    words: the type is then what the head means (the Index's 'Leukemia, chronic lymphocytic, of B-cell type' is
    the only chronic lymphocytic leukemia), not a choice the note must make. Heads two titles share
    ('Prolymphocytic leukemia of B-cell type' / 'of T-cell type') stay unmatched without their type. `typed`:
    key of the head → (code, head, title) of each title with that head (`_typed_head`)."""
    for key, found in typed.items():
        if len(found) == 1 and key not in d.terms:
            code, head, description = found[0]
            d.add(head, Entry(code, "tabular", description), key)


class GramIndex:
    """The 1-3 token runs of a whole note looked up at once (what :func:`ngram_keys` plus a dict lookup per run
    gives, for the learned phrases and the document classifiers' keys).

    One dict holds every key with what it is (a learned phrase, a classifier key or both). A run with a token
    outside the keys' vocabulary cannot be a held key, so a token outside it ends every run that would hold it
    before any key is built; runs of weak tokens only (:func:`ngram_keys` skips them) are never held, so the runs
    found, and their order, are those of :func:`ngram_keys` followed by the lookups. (A numpy version, all runs
    packed into integers and one ``searchsorted``, was slower: its per-call overhead outweighs the ~600 runs of a
    2-KB note.)"""

    def __init__(self, learned: Iterable[tuple[str, ...]], classifier: Iterable[tuple[str, ...]]) -> None:
        rows: dict[tuple[str, ...], list[int]] = {}         # key -> [learned?, classifier key number]
        for k in learned:
            if self._indexable(k):
                rows.setdefault(k, [0, -1])[0] = 1
        for j, k in enumerate(classifier):
            if self._indexable(k):
                rows.setdefault(k, [0, -1])[1] = j
        # key -> (the key, learned?, classifier key number or -1)
        self.table: dict[tuple[str, ...], tuple[tuple[str, ...], bool, int]] = {
            k: (k, bool(v[0]), v[1]) for k, v in rows.items()}
        self.vocab: frozenset[str] = frozenset(t for k in rows for t in k)

    @staticmethod
    def _indexable(k: tuple[str, ...]) -> bool:
        """A key some run can have: 1-3 distinct sorted tokens, not all weak, no number of 3+ digits."""
        return (0 < len(k) <= 3 and tuple(sorted(set(k))) == k
                and not all(t in GENERIC or t.isdigit() for t in k)
                and not any(t.isdigit() and len(t) >= 3 for t in k))

    def lookup(self, sentences: list[list[Tok]]
               ) -> tuple[list[list[tuple[tuple[str, ...], int, int]]], list[tuple[tuple[str, ...], int, int, int, int]]]:
        """For each sentence, its learned runs (key, start, end) in :func:`ngram_keys` order, a run inside a
        longer learned run of the same sentence left out (as ``Coder._learned_mentions`` does); and the
        classifier keys of 1-2 distinct tokens, each at its first run in the note: (key, classifier key
        number, sentence, start, end), in order of first appearance."""
        found: list[list[tuple[tuple[str, ...], int, int]]] = [[] for _ in sentences]
        clf_first: list[tuple[tuple[str, ...], int, int, int, int]] = []
        vocab = self.vocab
        get = self.table.get
        seen: set[tuple[str, ...]] = set()
        for j, toks in enumerate(sentences):
            # runs skip numbers of 3+ digits (never in the vocabulary)
            ts = [t for t in toks if t[2] in vocab or not (t[2].isdigit() and len(t[2]) >= 3)]
            m = len(ts)
            norms = [t[2] for t in ts]
            # (first token, run length - 1, what the key is), by first token then length, as ngram_keys gives them
            hits: list[tuple[int, int, tuple[tuple[str, ...], bool, int]]] = []
            for a in range(m):
                x = norms[a]
                if x not in vocab:
                    continue
                h = get((x,))
                if h is not None:
                    hits.append((a, 0, h))
                if a + 1 == m or (y := norms[a + 1]) not in vocab:
                    continue
                h = get((x, y) if x < y else (y, x) if y < x else (x,))
                if h is not None:
                    hits.append((a, 1, h))
                if a + 2 == m or (z := norms[a + 2]) not in vocab:
                    continue
                p, q, r = x, y, z                   # the order-free key: sorted, repeats once
                if p > q:
                    p, q = q, p
                if q > r:
                    q, r = r, q
                    if p > q:
                        p, q = q, p
                h = get((p,) if p == r else (p, r) if p == q or q == r else (p, q, r))
                if h is not None:
                    hits.append((a, 2, h))
            if not hits:
                continue
            # the shorter runs inside a learned run of 2 or 3 tokens: (first token, length - 1)
            inner: set[tuple[int, int]] = set()
            for a, n, h in hits:
                if n and h[1]:
                    inner.update(((a, 0), (a + 1, 0)) if n == 1 else ((a, 0), (a + 1, 0), (a + 2, 0), (a, 1), (a + 1, 1)))
            out = found[j]
            for a, n, (key, learned, kid) in hits:
                if learned and (a, n) not in inner:
                    out.append((key, ts[a][0], ts[a + n][1]))
                if kid >= 0 and len(key) <= 2 and key not in seen:
                    seen.add(key)                   # each key at its first run, in note order
                    clf_first.append((key, kid, j, ts[a][0], ts[a + n][1]))
        return found, clf_first
