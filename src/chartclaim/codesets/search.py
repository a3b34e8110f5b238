"""The encoder search: what a coder types -> ranked ICD-10-CM codes.

Pipeline (each step small and separately testable):
1. code-shaped queries ('e1122', 'S52.5') go straight to the Tabular;
2. lexicon rewrites ('dm2' -> 'type 2 diabetes mellitus', 'hx of' -> 'personal history of', 'lt' -> 'left');
3. tokens are stemmed, stop words dropped, split words joined ('osteo arthritis'), typos corrected against the
   index vocabulary (Levenshtein 1-2 by word length);
4. each token becomes a concept with its lexicon synonyms ('renal' ~ 'kidney');
5. SQLite FTS5 gathers candidates (all concepts first, any concept when that is too few) from descriptions,
   inclusion terms, lexicon terms and imported Alphabetic Index lines;
6. every candidate text is scored: idf-weighted share of the query's concepts it covers, minus a small cost
   per word of the text the query did not ask for (words in parentheses are nonessential and free);
7. codes that take a 7th character are expanded: the encounter words of the query ('initial', 'subsequent',
   'sequela', 'open') choose the character; with none, initial encounter / closed fracture is the default.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import date

from chartclaim.codesets.icd10cm import Icd10cm
from chartclaim.codesets.lexicon import Lexicon, load_lexicon, rewrite_words
from chartclaim.codesets.model import SearchHit
from chartclaim.codesets.tabular import dotted, nodot
from chartclaim.codesets.text import SITE_ROLLUP, STOPWORDS, required_tokens, stem, words
from chartclaim.codesets.text import stem as stem_word

_CODE_SHAPE = re.compile(r"^[A-Za-z]\d[0-9A-Za-z](?:\.?[0-9A-Za-z]{0,4})?$")
# Words of the text that cost little when the query did not say them: they mark the default code.
_NEUTRAL = {"unspecified": 0.15, "without": 0.3, "complication": 0.3, "site": 0.4, "organism": 0.3,
            "encounter": 0.1, "initial": 0.1, "primary": 0.5, "essential": 0.5, "type": 0.6, "nos": 0.0,
            "side": 0.3, "part": 0.5, "region": 0.5, "level": 0.6, "disorder": 0.6, "disease": 0.6,
            "mellitus": 0.2, "closed": 0.2, "unilateral": 0.6, "current": 0.5, "with": 0.0, "condition": 0.5,
            # 'other' titles are for specified conditions not listed elsewhere: never the default
            "other": 2.0, "specified": 1.5,
            # a fracture is traumatic unless the query says otherwise (M80/M84 are special kinds)
            "stress": 3.0, "pathological": 3.0, "fatigue": 3.0, "periprosthetic": 3.0, "osteoporosis": 2.0,
            "neoplastic": 2.0,
            # 'history of X' is personal history; a secondary (metastatic) neoplasm must be asked for
            "family": 2.0, "personal": 0.3, "history": 2.0, "secondary": 2.5, "situ": 2.0, "recurrent": 2.0,
            # eponymous and special fracture patterns are never the default fracture
            "galeazzi": 3.0, "colle": 3.0, "colles": 3.0, "monteggia": 3.0, "smith": 3.0, "barton": 3.0,
            "bennett": 3.0,
            "rolando": 3.0, "torus": 3.0, "greenstick": 3.0, "transcondylar": 3.0, "maisonneuve": 3.0}
# Words that qualify a query more than they name a condition ('follow up hypertension', 'eczema child'):
# they count, but lightly, so the condition decides.
_LIGHT_WORDS = frozenset({"follow", "up", "visit", "symptom", "problem", "issue", "management", "review",
                          "positive", "negative", "confirmed", "known", "new", "child", "adult", "elderly",
                          "pediatric", "patient", "care", "kid", "toddler", "baby", "man", "woman", "male",
                          "female", "boy", "girl", "year", "old", "month", "week", "day", "today", "mild", "need",
                          "complaint", "treatment", "diagnosis",
                          # the organ of a side-specific eye or ear code: the title often says only
                          # "bilateral" or "right" (H10.33 bilateral conjunctivitis)
                          "eye", "ear"})
_NOT_A_VACCINATION = frozenset({"adverse", "reaction", "complication", "infection", "allergy", "underimmunization",
                                "refused", "refuse", "refusal", "declined", "decline", "status", "exposure", "delayed",
                                "not", "contraindication"})
_ENCOUNTER_WORDS = frozenset({"initial", "subsequent", "sequela", "encounter", "routine", "healing", "delayed",
                              "nonunion", "malunion"})
_CLAUSE_END = re.compile(r"[,;:()]|\bwith\b|\band\b")


@functools.lru_cache(maxsize=65536)
def negated_words(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(words inside a 'without ...' clause, words outside any) of a title: a clause ends at a comma or
    the next 'with'/'and' ('Preterm labor without delivery, third trimester': 'third' is not negated)."""
    neg: set[str] = set()
    pos: set[str] = set()
    pieces = re.split(r"\bwithout\b", text.lower())
    for i, piece in enumerate(pieces):
        if i == 0:
            pos.update(stem_word(w) for w in words(piece))
            continue
        m = _CLAUSE_END.search(piece)
        head, tail = (piece[:m.start()], piece[m.start():]) if m else (piece, "")
        # a clause names one thing: its first two content words ('without foreign body of right hand')
        content = [stem_word(w) for w in words(head) if w not in STOPWORDS]
        neg.update(content[:2])
        pos.update(content[2:])
        pos.update(stem_word(w) for w in words(tail))
    return frozenset(neg), frozenset(pos)


# The encounter (7th character) axis: these words choose the character, they do not name the condition
# ('black eye initial' must not find titles with 'initial' in them). As content they stay ('initial
# prescription of contraceptives'): only at the end of the query or before 'encounter'/'visit' are they
# the axis.
_ENCOUNTER_AXIS = frozenset({"initial", "subsequent", "sequela", "sequelae"})
_ENCOUNTER_TAIL = frozenset({"encounter", "visit", "encounters", "visits", "care", "episode", "treatment"})
_ENCOUNTER_BONUS = 0.06


def split_encounter(concepts: list[Concept]) -> tuple[list[Concept], frozenset[str]]:
    """(the concepts that name the condition, the encounter words the query names)."""
    axis: set[str] = set()
    keep: list[Concept] = []
    for i, c in enumerate(concepts):
        nxt = concepts[i + 1].word if i + 1 < len(concepts) else None
        if c.word in _ENCOUNTER_AXIS and (nxt is None or nxt in _ENCOUNTER_TAIL or nxt in _ENCOUNTER_AXIS):
            axis.add("sequela" if c.word == "sequelae" else c.word)
            continue
        if axis and c.word in _ENCOUNTER_TAIL and concepts[i - 1].word in _ENCOUNTER_AXIS:
            continue
        keep.append(c)
    if not keep:
        return concepts, frozenset()
    return keep, frozenset(axis)


def word_forms(tok: str) -> set[str]:
    """Inflected forms sharing a base with ``tok`` (-ed, -ing, -ly, -y, doubled consonants); the caller keeps
    those the vocabulary knows."""
    if len(tok) < 4 or tok.isdigit():
        return set()
    bases = {tok}
    for suf in ("ing", "ed", "ly", "y", "e"):
        if tok.endswith(suf) and len(tok) - len(suf) >= 3:
            b = tok[:-len(suf)]
            bases.add(b)
            bases.add(b + "e")
            if len(b) > 3 and b[-1] == b[-2]:
                bases.add(b[:-1])
    out: set[str] = set()
    for b in bases:
        out.update((b, b + "ing", b + "ed", b + "ly", b + "y", b + "e"))
        if len(b) >= 3 and b[-1] not in "aeiouwy" and b[-2] in "aeiou" and b[-3] not in "aeiou":
            out.update((b + b[-1] + "ing", b + b[-1] + "ed"))     # slip -> slipping, slipped
    out.discard(tok)
    return out


_GENERIC_WORDS = frozenset({"personal", "history", "disease", "disorder", "condition", "status", "care",
                            "encounter", "other", "unspecified", "type", "routine", "visit", "follow", "problem",
                            "finding", "state", "syndrome", "presence"})
_UNIT_DAYS = {"day": 1, "days": 1, "d": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7, "month": 30, "months": 30,
              "mo": 30, "mos": 30, "year": 365, "years": 365, "yr": 365, "yrs": 365, "yo": 365, "y": 365}
_QUERY_AGE = re.compile(r"\b(\d+)\s*-?\s*(days?|d|weeks?|wks?|months?|mos?|years?|yrs?|yo|y)\b(?:\s*-?\s*old)?")
_BAND = re.compile(r"\b(under|over|less than|more than)?\s*(\d+)(?:\s*(?:to|-)\s*(\d+))?\s*(days?|weeks?|months?|years?)"
                   r"\s+(?:of age|old)")


def query_age_days(query: str) -> int | None:
    """The patient's age a query states ('10 days old', '6 mo', '45 yo'), in days; weeks without 'old' are a
    gestation ('32 weeks'), not an age."""
    for m in _QUERY_AGE.finditer(query.lower()):
        unit = m.group(2)
        if unit.startswith(("w",)) and "old" not in m.group(0):
            continue
        return int(m.group(1)) * _UNIT_DAYS[unit]
    return None


@functools.lru_cache(maxsize=8192)
def age_band_days(text: str) -> tuple[int, float] | None:
    """The age band a title prints ('newborn 8 to 28 days old', 'under 8 days old', 'over 28 days old')."""
    m = _BAND.search(text.lower())
    if m is None:
        return None
    word, a, b, unit = m.groups()
    k = _UNIT_DAYS[unit]
    lo = int(a) * k
    if b is not None:
        return lo, (int(b) + 1) * k - 1
    if word in ("under", "less than"):
        return 0, lo - 1
    if word in ("over", "more than"):
        return lo + 1, math.inf
    return None


_SIDE_WORDS = frozenset({"bilateral", "both", "left", "right", "each"})
_EXTRA_COST = 0.035
_EXTRA_CAP = 0.35
_FIELD_WEIGHT = {"desc": 1.0, "incl": 0.97, "lex": 1.0, "index": 0.95}


@dataclass(slots=True)
class Concept:
    word: str
    alts: frozenset[str]
    weight: float
    # the broad site the word rolls up to ('hand' -> 'upper limb'): matches, but counts less than the word
    broad: frozenset[str] = frozenset()
    repeat: bool = False


@dataclass(slots=True)
class Candidate:
    code: str
    score: float
    matched: str
    source_field: str
    matched_tokens: set[str] = field(default_factory=set)


class Encoder:
    def __init__(self, con: sqlite3.Connection, lock: threading.RLock, icd: Icd10cm):
        self._con = con
        self._lock = lock
        self._icd = icd
        self._vocab: dict[str, int] | None = None
        self._vocab_list: list[str] = []
        self._n_docs = 1
        self._lex: Lexicon = load_lexicon()
        self._has_index: bool | None = None
        self._sorted_vocab: list[str] | None = None

    # -- vocabulary ------------------------------------------------------------------------------------
    def vocab(self) -> dict[str, int]:
        if self._vocab is None:
            with self._lock:
                v = dict(self._con.execute("SELECT token, df FROM main.vocab").fetchall())
                self._n_docs = int(self._con.execute("SELECT max(id) FROM main.search_docs").fetchone()[0] or 1)
                try:
                    for tok, df in self._con.execute("SELECT token, df FROM imp.index_vocab"):
                        v[tok] = v.get(tok, 0) + int(df)
                except sqlite3.OperationalError:
                    pass
            self._vocab = v
            self._vocab_list = list(v)
        return self._vocab

    def reset(self) -> None:
        self._vocab = None
        self._sorted_vocab = None
        self._has_index = None

    def has_index(self) -> bool:
        if self._has_index is None:
            with self._lock:
                self._has_index = self._con.execute("SELECT 1 FROM imp.index_entries LIMIT 1").fetchone() is not None
        return self._has_index

    def idf(self, token: str) -> float:
        df = self.vocab().get(token, 0)
        return math.log((self._n_docs + 1) / (df + 1)) + 1.0

    # -- query analysis ----------------------------------------------------------------------------------
    def rewrite(self, query: str) -> list[str]:
        """Apply lexicon abbreviations (longest phrase first) to the query's words."""
        return rewrite_words(self._lex, query)

    def correct(self, tok: str) -> str:
        vocab = self.vocab()
        if tok in vocab or tok in self._lex.synonyms or tok.isdigit() or len(tok) < 4:
            return tok
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        # another form of a known word ('blocked' -> 'block'), before any guess at a typo or a cut-short word
        forms = [f for f in word_forms(tok) if f in vocab and len(f) >= len(tok) - 3] if tok.endswith(
            ("ed", "ing", "ly")) else []
        if forms:
            return max(forms, key=lambda f: (vocab.get(f, 0), -len(f)))
        if len(tok) >= 5:
            # a word cut short ('hoarse' for 'hoarseness'): the commonest word it begins
            if self._sorted_vocab is None:
                self._sorted_vocab = sorted(vocab)
            i = bisect.bisect_left(self._sorted_vocab, tok)
            longer: list[str] = []
            while i < len(self._sorted_vocab) and self._sorted_vocab[i].startswith(tok) and len(longer) < 50:
                longer.append(self._sorted_vocab[i])
                i += 1
            if longer:
                return max(longer, key=lambda f: (vocab.get(f, 0), -len(f)))
        if len(tok) >= 8:
            # a long word with a known stem is another form of it ('dislocated' -> 'dislocation'),
            # not a typo of some other word
            if self._sorted_vocab is None:
                self._sorted_vocab = sorted(vocab)
            head = tok[:len(tok) - 2]
            i = bisect.bisect_left(self._sorted_vocab, head)
            forms = []
            while i < len(self._sorted_vocab) and self._sorted_vocab[i].startswith(head):
                forms.append(self._sorted_vocab[i])
                i += 1
            if forms:
                return max(forms, key=lambda f: (vocab.get(f, 0), -len(f)))
        max_d = 1 if len(tok) <= 5 else 2
        best = process.extract(tok, self._vocab_list, scorer=OSA.distance, score_cutoff=max_d, limit=8)
        if not best:
            # another form of a known word ('unemployed' -> 'unemployment', 'anemic' -> 'anemia')
            stem_len = max(5, len(tok) - 3)
            if len(tok) >= 6:
                if self._sorted_vocab is None:
                    self._sorted_vocab = sorted(vocab)
                head = tok[:stem_len]
                i = bisect.bisect_left(self._sorted_vocab, head)
                forms = []
                while i < len(self._sorted_vocab) and self._sorted_vocab[i].startswith(head):
                    forms.append(self._sorted_vocab[i])
                    i += 1
                if forms:
                    return max(forms, key=lambda f: (vocab.get(f, 0), -len(f)))
            return tok
        # typists rarely get the first letter wrong: 'changing' must not become 'hanging'
        best = [m for m in best if m[0][:1] == tok[:1]]
        if not best:
            return tok
        best.sort(key=lambda m: (m[1], -vocab.get(m[0], 0)))
        return str(best[0][0])

    def concepts(self, query: str) -> list[Concept]:
        rw = self.rewrite(query)
        # an age ('45 yo', '6 month old') says who, not what: drop its number
        # (weeks stay when not followed by 'old': '12 weeks' pregnant is Z3A.12)
        rw = [w for i, w in enumerate(rw) if not (
            w.isdigit() and i + 1 < len(rw) and (
                rw[i + 1] in ("year", "years", "month", "months", "day", "days")
                or (rw[i + 1] in ("week", "weeks") and i + 2 < len(rw) and rw[i + 2] == "old")))]
        raw = [w for w in rw if w not in STOPWORDS and w != "with"]
        vocab = self.vocab()
        toks = [stem(w) for w in raw]
        # words split by the typist ('osteo arthritis', 'chicken pox'): when both halves are words of their
        # own the joined form is only an alternative of each half ('post cholecystectomy' must still match
        # 'status post cholecystectomy'); when a half is no word, the join replaces it.
        joined: list[str] = []
        extra_alt: dict[str, str] = {}
        i = 0
        while i < len(toks):
            if i + 1 < len(toks) and (toks[i] + toks[i + 1]) in vocab:
                both = toks[i] + toks[i + 1]
                if toks[i] in vocab and toks[i + 1] in vocab:
                    extra_alt[toks[i]] = both
                    extra_alt[toks[i + 1]] = both
                    joined.extend([toks[i], toks[i + 1]])
                else:
                    joined.append(both)
                i += 2
            else:
                joined.append(toks[i])
                i += 1
        # typos first, then a second chance to join ('chiken pox' -> 'chicken pox' -> 'chickenpox')
        fixed = [self.correct(t) for t in joined]
        rejoined: list[str] = []
        i = 0
        while i < len(fixed):
            if (i + 1 < len(fixed) and fixed[i] + fixed[i + 1] in vocab and fixed[i] != joined[i]
                    and fixed[i] + fixed[i + 1] not in extra_alt.values()):
                rejoined.append(fixed[i] + fixed[i + 1])
                i += 2
            else:
                rejoined.append(fixed[i])
                i += 1
        out: list[Concept] = []
        seen: set[str] = set()
        for k, t in enumerate(rejoined):
            if t in seen and k and rejoined[k - 1] in _SIDE_WORDS:
                continue        # 'knee pain both knees': the side restated, not a second knee
            if t in seen:
                # a word said twice is two things ('first pregnancy, first trimester'; 'car driver in
                # collision with car'): the second counts only for a text that says it twice too
                first = next(c for c in out if c.word == t)
                out.append(Concept(t, first.alts, first.weight, first.broad, repeat=True))
                continue
            seen.add(t)
            alts = self._lex.synonyms.get(t, frozenset()) | {t} | ({extra_alt[t]} if t in extra_alt else set())
            alts = frozenset(a for a in alts if a in vocab) or frozenset({t})
            w = max(self.idf(a) for a in alts)
            # other forms of the word the titles use ('slipped' ~ 'slipping', 'vaginal' ~ 'vaginally'):
            # they match, but do not make the word weigh more than it does
            forms = word_forms(t) & vocab.keys()
            if forms - alts:
                if not alts & vocab.keys():
                    w = max(self.idf(a) for a in forms)
                alts = alts | forms
            if t in _LIGHT_WORDS:
                w *= 0.3
            site = SITE_ROLLUP.get(t)
            out.append(Concept(t, alts, w, frozenset({site}) if site and site in vocab else frozenset()))
        return out

    # -- candidates ------------------------------------------------------------------------------------
    def _fts(self, table: str, concepts: list[Concept], all_terms: bool, limit: int) -> list[int]:
        name = table.rpartition(".")[2]
        parts = []
        for c in concepts:
            alts = " OR ".join(f'"{a}"' for a in sorted(c.alts))
            parts.append(f"({alts})")
        if not parts:
            return []
        expr = (" AND " if all_terms else " OR ").join(parts)
        with self._lock:
            rows = self._con.execute(
                f"SELECT rowid FROM {table} WHERE {name} MATCH ? ORDER BY bm25({name}) LIMIT ?",
                (expr, limit)).fetchall()
        return [r[0] for r in rows]

    def _retrieve(self, table: str, concepts: list[Concept], limit: int) -> list[int]:
        """Candidates: every concept first; when that finds few, every concept but one (a word the
        titles do not use must not sink the query); then any rare concept; and always the entries of the
        most distinctive word alone ('stye' in 'left eye stye'). Encounter words are left out: 7th
        characters are not indexed, the expansion step scores them. Intersections are cheap in FTS5,
        ranking a union of common words is not, so common-only subsets are skipped."""
        core = [c for c in concepts if c.word not in _ENCOUNTER_WORDS] or concepts
        vocab = self.vocab()

        def common(c: Concept) -> bool:
            return min(vocab.get(a, 0) for a in c.alts) >= 2500

        ids = self._fts(table, core, True, limit)
        if len(ids) < 60 and len(core) >= 2:
            for drop in core:
                rest = [c for c in core if c is not drop]
                if all(common(c) for c in rest):
                    continue
                ids += self._fts(table, rest, True, limit // 2)
            if len(set(ids)) < 30:
                rare = [c for c in core if not common(c)] or core
                ids += self._fts(table, rare, False, 200)
        if len(core) >= 2:
            rarest = max(core, key=lambda c: c.weight)
            if not common(rarest):
                ids += self._fts(table, [rarest], True, 60)
        return ids

    def _score_text(self, concepts: list[Concept], total: float, toks: set[str], required: list[str],
                    ordered: list[str] | None = None, negated_ok: bool = False,
                    text: str = "") -> tuple[float, set[str]]:
        matched_w = 0.0
        matched: set[str] = set()
        counts: dict[str, int] | None = None
        for c in concepts:
            hit = c.alts & toks
            if hit and c.repeat:
                if counts is None:
                    counts = {}
                    for w in words(text):
                        sw = stem_word(w)
                        counts[sw] = counts.get(sw, 0) + 1
                if sum(counts.get(a, 0) for a in c.alts) < 2:
                    continue
            if hit:
                matched_w += c.weight
                matched |= hit
            elif c.broad and c.broad & toks:
                matched_w += 0.8 * c.weight
                matched |= c.broad & toks
        if not matched:
            return 0.0, matched
        cost = 0.0
        # words of a 'without ...' phrase describe the default state ('without foreign body'): cheap
        quiet: frozenset[str] = frozenset()
        outside: frozenset[str] = frozenset()
        if ordered and "without" in ordered:
            quiet, outside = negated_words(text)
        for t in required:
            if t not in matched:
                cost += 0.3 if t in quiet else _NEUTRAL.get(t, 1.0)
        score = matched_w / total - min(_EXTRA_CAP, _EXTRA_COST * cost)
        if ordered:
            # 'without abnormal findings' when the query asked for abnormal findings: the opposite code
            if not negated_ok and "without" in ordered:
                if any(t in matched and t not in outside for t in quiet):
                    score -= 0.08
            elif negated_ok and "with" in ordered and "without" not in ordered:
                # the query says 'without X', the title 'with X': the opposite code
                k = ordered.index("with")
                if any(t in matched for t in ordered[k + 1:k + 3]):
                    score -= 0.08
            # words of the query in the same order side by side ('first pregnancy'): a phrase match
            pairs = 0
            pos = {t: i for i, t in enumerate(ordered)}
            for a, b in itertools.pairwise(concepts):
                ia = next((pos[x] for x in a.alts if x in pos), None)
                ib = next((pos[x] for x in b.alts if x in pos), None)
                if ia is not None and ib is not None and ib == ia + 1:
                    pairs += 1
            score += min(0.03, 0.01 * pairs)
        return score, matched

    def search(self, query: str, limit: int = 10, dos: date | None = None) -> list[SearchHit]:
        q = query.strip()
        if not q:
            return []
        if _CODE_SHAPE.match(q) and any(ch.isdigit() for ch in q[1:3]):
            hits = self._code_lookup(q, limit, dos)
            if hits:
                return hits
        concepts = self.concepts(q)
        if not concepts:
            return []
        concepts, encounter = split_encounter(concepts)
        total = sum(c.weight for c in concepts)
        cands: dict[str, Candidate] = {}

        negated_ok = "without" in {c.word for c in concepts}

        def consider(code: str, fld: str, text: str, toks: str, required: str) -> None:
            ordered = toks.split()
            s, matched = self._score_text(concepts, total, set(ordered), required.split(), ordered, negated_ok,
                                          text)
            if s <= 0:
                return
            s *= _FIELD_WEIGHT.get(fld, 1.0)
            prev = cands.get(code)
            if prev is None or s > prev.score:
                cands[code] = Candidate(code, s, text, fld, matched)

        ids = self._retrieve("search_fts", concepts, 250)
        if ids:
            qs = ",".join(str(i) for i in set(ids))
            with self._lock:
                rows = self._con.execute(
                    f"SELECT code, field, text, tokens, required FROM main.search_docs WHERE id IN ({qs})").fetchall()
            for code, fld, text, toks, req in rows:
                consider(code, fld, text, toks, req)
        if self.has_index():
            iids = self._retrieve("imp.index_fts", concepts, 150)
            if iids:
                qs = ",".join(str(i) for i in set(iids))
                with self._lock:
                    rows = self._con.execute(
                        f"SELECT code, path, tokens, required FROM imp.index_entries WHERE id IN ({qs}) "
                        "AND code IS NOT NULL").fetchall()
                # index codes are printed dotted, sometimes with a trailing '-' (more characters needed)
                norm = {code: self._icd.normalize(code.rstrip("-").rstrip(".")) for code, *_ in rows}
                known = self._icd.light(sorted(set(norm.values())))
                for code, path, toks, req in rows:
                    if norm[code] in known:
                        consider(norm[code], "index", path.replace(" | ", ", "), toks, req)
        # a vaccine given is always Z23, whatever the vaccine (ICD-10-CM has no per-vaccine codes)
        words_in = {c.word for c in concepts}
        if "immunization" in words_in and not words_in & _NOT_A_VACCINATION:
            cands["Z23"] = Candidate("Z23", 1.0, "vaccination", "lex", set().union(*(c.alts for c in concepts)))
        return self._rank(cands, concepts, total, limit, dos, encounter, query_age_days(q))

    def _rank(self, cands: dict[str, Candidate], concepts: list[Concept], total: float, limit: int,
              dos: date | None, encounter: frozenset[str] = frozenset(),
              age: int | None = None) -> list[SearchHit]:
        scored: list[tuple[float, str, Candidate]] = []
        negated_ok = "without" in {c.word for c in concepts}
        pre = sorted(cands.values(), key=lambda c: -c.score)[: max(60, limit * 4)]
        lex_codes = self._lex_codes()
        light = self._icd.light([c.code for c in pre])
        # A non-billable node that matches well hands its score to its 'unspecified' child: that is the
        # code to bill when the documentation says no more than the node's title (J96.0 -> J96.00).
        defaults = self._icd.default_children(
            [c.code for c in pre if c.code in light and not light[c.code][2] and light[c.code][3] is None])
        for parent, kids in defaults.items():
            pc = cands[parent]
            for k in kids[:1]:
                if k not in cands or cands[k].score < pc.score - 0.01:
                    cands[k] = Candidate(k, pc.score - 0.01, pc.matched, "default", pc.matched_tokens)
                    pre.append(cands[k])
        light.update(self._icd.light([k for kids in defaults.values() for k in kids[:1] if k not in light]))
        self._refine_in_family(cands, pre, light, concepts, total)
        if encounter:
            # a 7th-character code reached through an alias ('black eye' -> S00.10XA) hands its score to its
            # stem, so the encounter the query names chooses the character
            stems: list[str] = []
            for c in list(pre):
                n = light.get(c.code)
                if n is None or not n[2] or n[3] is None or not n[4]:
                    continue
                p = n[4]
                if p not in cands or cands[p].score < c.score:
                    cands[p] = Candidate(p, c.score, c.matched, c.source_field, c.matched_tokens)
                    pre.append(cands[p])
                    stems.append(p)
            light.update(self._icd.light([p for p in stems if p not in light]))
        sevenths = self._icd.seventh_children_many(
            {c.code: light[c.code][0] for c in sorted(pre, key=lambda c: -c.score)[:40]
             if c.code in light and light[c.code][3] is not None and not light[c.code][2]})
        for c in pre:
            n = light.get(c.code)
            if n is None:
                continue
            _desc, _kind, billable, stem, _parent = n
            lex_bonus = 0.02 if c.code in lex_codes else 0.0
            if age is not None:
                # a title for an age band ('newborn 8 to 28 days old'): the stated age chooses
                band = age_band_days(_desc) or age_band_days(c.matched)
                if band is not None:
                    lex_bonus += 0.05 if band[0] <= age <= band[1] else -0.05
            s = c.score + (0.03 if billable else -0.04) + lex_bonus
            # a code titled 'unspecified' that covers the whole query is the default a coder reaches for
            if (billable and c.source_field != "default" and "unspecified" in _desc.lower()
                    and all(x.alts & c.matched_tokens for x in concepts)):
                s += 0.025
            # the code's own title says 'without X' for an X the query asked for (K21.9 for 'gerd with
            # esophagitis' reached through a lexicon line): the opposite code
            if not negated_ok and " without " in f" {_desc.lower()} ":
                neg, _pos = negated_words(_desc)
                # a hit reached through an alias that says the word plainly ('Acute pulmonary embolism NOS'
                # for I26.99 '... without acute cor pulmonale') is not the opposite code
                alias_pos = negated_words(c.matched)[1] if c.source_field != "desc" else frozenset()
                if any(any(t in x.alts for x in concepts) and t not in alias_pos for t in neg):
                    s -= 0.08
            if encounter and stem is not None and billable and not encounter & {
                    stem_word(w) for w in words(_desc)}:
                s -= _ENCOUNTER_BONUS
            if stem is not None and not billable:
                unmatched = [x for x in concepts if not (x.alts & c.matched_tokens)]
                best = None
                for code, text in sevenths.get(c.code, ()):
                    ttoks = {stem_word(w) for w in words(text)}
                    gain = sum(x.weight for x in unmatched if x.alts & ttoks) / total
                    # with no encounter words: initial encounter, closed fracture (the guideline defaults)
                    # guideline defaults: initial encounter; closed fracture; routine healing
                    prior = (0.02 if text.startswith("initial") else 0.0) + (
                        0.01 if "open" not in text else 0.0) + (
                        0.015 if "routine healing" in text else 0.0) - (0.005 * len(text) / 40) + (
                        _ENCOUNTER_BONUS if encounter & ttoks else 0.0) + (
                        # a stage, fetus or severity the query does not name: the unspecified character
                        0.012 if ("unspecified" in text or "not applicable" in text) else 0.0)
                    cs = c.score + gain + prior + 0.03 + lex_bonus
                    if best is None or cs > best[0]:
                        best = (cs, code)
                if best is not None:
                    scored.append((best[0], best[1], c))
            scored.append((s, c.code, c))
        scored.sort(key=lambda t: (-t[0], t[1]))
        hits: list[SearchHit] = []
        seen: set[str] = set()
        for s, code, c in scored:
            if code in seen:
                continue
            seen.add(code)
            hit = self._hit(code, s, c.matched if c.source_field != "desc" else "", dos)
            if hit is None:
                continue
            hits.append(hit)
            if len(hits) >= limit:
                break
        return hits

    def _refine_in_family(self, cands: dict[str, Candidate], pre: list[Candidate],
                          light: dict[str, tuple[str, str, bool, str | None, str | None]],
                          concepts: list[Concept], total: float) -> None:
        """A good hit that leaves query words unmatched ('left', 'right', 'recurrent') hands its score to
        the family member whose title has them: 'tennis elbow left' -> M77.10 -> M77.12."""
        ranked = sorted(pre, key=lambda c: -c.score)
        top = ranked[:10]
        # also the best few for each word of the query, however low they rank yet: the hit that carries
        # 'conjunctivitis' in 'pink eye both eyes' must get its chance to find the bilateral code
        for x in concepts:
            top += [c for c in ranked[10:150] if x.alts & c.matched_tokens][:3]
        done: set[str] = set()
        added: list[str] = []
        for c in top:
            unmatched = [x for x in concepts if not (x.alts & c.matched_tokens)]
            n = light.get(c.code)
            if not unmatched or n is None or c.score < 0.3:
                continue
            parent = n[4]
            if n[2] and n[3] is not None:          # a 7th-character code: its family is under the stem's parent
                parent = light.get(parent or "", (None,) * 5)[4] if parent in light else self._icd.light(
                    [parent])[parent][4] if parent else None
            if not n[2] and n[3] is None:        # a non-billable node: look among its own descendants
                parent = c.code
            if not parent or parent in done or "-" in parent or parent.isdigit():
                continue
            # under a whole category siblings are different conditions: only a hit matched through an
            # alias (lexicon, inclusion term, index) names the condition for all of them
            if len(parent.replace(".", "")) < 4 and parent != c.code and c.source_field == "desc":
                continue
            done.add(parent)
            for code, desc, _b in self._icd.family(parent):
                if code == c.code:
                    continue
                toks = {stem_word(w) for w in words(desc)}
                gained = [x for x in unmatched if x.alts & toks]
                # a sibling that only adds a generic word ('personal', 'status', 'encounter') is another
                # condition of the family, not a more exact form of this one
                if not gained or all(x.word in _GENERIC_WORDS for x in gained):
                    continue
                gain = sum(x.weight for x in gained) / total
                # words the hit matched in its own title must be in the sibling's title too; words it
                # matched through an alias (lexicon, inclusion term, index) name the condition and carry
                lost = 0.0
                kept = set(c.matched_tokens)
                if c.source_field == "desc":
                    for x in concepts:
                        if x.alts & c.matched_tokens and not x.alts & toks:
                            lost += x.weight
                            kept -= x.alts
                extra = sum(_NEUTRAL.get(t, 1.0) for t in required_tokens(desc) if t not in c.matched_tokens
                            and not any(t in x.alts for x in gained))
                # more 'unspecified' in the title: the default member of the family
                score = (c.score + gain - lost / total - 0.015 - min(0.05, 0.006 * extra)
                         + 0.004 * desc.lower().count("unspecified"))
                prev = cands.get(code)
                if prev is None or prev.score < score:
                    m = kept
                    for x in gained:
                        m |= x.alts & toks
                    cands[code] = Candidate(code, score, c.matched, c.source_field, m)
                    added.append(code)
        if added:
            pre.extend(cands[k] for k in dict.fromkeys(added))
            light.update(self._icd.light([k for k in added if k not in light]))

    def _lex_codes(self) -> set[str]:
        return {code for _, code in self._lex.terms}

    def _hit(self, code: str, score: float, matched: str, dos: date | None) -> SearchHit | None:
        e = self._icd.get(code, dos)
        if e is None:      # not in the version effective on the date of service
            return None
        kids: tuple[str, ...] = ()
        total = 0
        if not e.billable:
            kids = self._icd.billable_descendants(e.code, limit=30)
            total = self._icd.count_billable_descendants(e.code)
        return SearchHit(code=e.code, description=e.description, score=round(score, 4), billable=e.billable,
                         billable_children=kids, billable_children_total=total, kind=e.kind, matched=matched)

    def _code_lookup(self, q: str, limit: int, dos: date | None) -> list[SearchHit]:
        key = nodot(q)
        hits: list[SearchHit] = []
        e = self._icd.get(key, dos)
        if e is not None:
            for code, score in [(e.code, 1.0)] + [(c, 0.9) for c in self._icd.children(e.code)[: max(0, limit - 1)]]:
                h = self._hit(code, score, "", dos)
                if h is not None:
                    hits.append(h)
            return hits[:limit]
        # a prefix of codes the typist has not finished
        with self._lock:
            rows = self._con.execute("SELECT code FROM icd_nodes WHERE nodot > ? AND nodot < ? ORDER BY length(nodot), seq "
                                     "LIMIT ?", (key, key + "\x7f", limit)).fetchall()
        return [h for r in rows if (h := self._hit(r[0], 0.8, "", dos)) is not None]


def dotted_code(code: str) -> str:
    return dotted(code)
