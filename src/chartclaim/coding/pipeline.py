"""The coder: a pipeline of small components (medspaCy style).

normalise -> sections -> sentences -> mentions (term dictionary) -> context -> code assignment -> combination
codes -> scoring (rules, or a model learned from coded history) -> guideline profile -> ranking."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from chartclaim.coding.assign import Assigner, encounter_of
from chartclaim.coding.billing_rules import billing_conventions, listed_chronic
from chartclaim.coding.context import Assertion, ContextRules, default_rules
from chartclaim.coding.dictionary import Entry, GramIndex, Match, TermDictionary, build_dictionary
from chartclaim.coding.lexicon import Lexicon, Tok, default_lexicon
from chartclaim.coding.mentions import MentionRules, mark_uncertain, split_uncertain
from chartclaim.coding.resources import read_table
from chartclaim.coding.result import CodeSuggestion, CodingResult, Evidence, Rejected
from chartclaim.coding.terminology import Terminology, in_ranges, nodot
from chartclaim.coding.text import find_sections, normalise, split_sentences

PROFILES = ("us-outpatient", "us-inpatient", "abstraction")
MAX_LEARNED_N = 3
CLASSIFIER_MIN = 0.1     # a document-classifier code below this is not even a candidate
# sections that carry the diagnostic statement an office claim is coded from
ANCHOR_SECTIONS = frozenset({"assessment", "plan"})
# status, history and family Z codes: documented outside the assessment by nature
STATUS_Z = ("Z79", "Z68", "Z80", "Z81", "Z82", "Z83", "Z84", "Z85", "Z86", "Z87", "Z88", "Z92", "Z93", "Z94",
            "Z95", "Z96", "Z97", "Z98", "Z99")
# codes that already say "personal history of ...": a historical context does not change them
HISTORY_CODES = ("Z85", "Z86", "Z87", "Z92", "I25.2", "Z95", "Z96", "Z98", "Z99")
_SOURCE_RANK = {"lexicon": 4, "index": 3, "tabular": 2, "inclusion": 2, "learned": 0}
_NOT_AFFIRMED = frozenset({"negated", "family", "hypothetical"})
_NORM = itemgetter(2)      # Tok.norm


@dataclass(slots=True)
class Mention:
    code: str                      # assigned billable code
    entry: Entry                   # the term that matched
    key: tuple[str, ...]
    start: int
    end: int
    sentence: int
    section: str
    assertion: Assertion
    rule: str
    ambiguity: int = 1             # distinct codes the matched term could mean


@dataclass(slots=True)
class Candidate:
    code: str
    mentions: list[Mention] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    score: float = 0.0
    features: list[float] = field(default_factory=list)

    def affirmed(self) -> list[Mention]:
        return [m for m in self.mentions if not m.assertion.categories & _NOT_AFFIRMED]

    def documented(self) -> list[Mention]:
        """Affirmed mentions found through the terminology (learned phrases are evidence, not documentation)."""
        return [m for m in self.affirmed() if m.entry.source != "learned"]

    def is_documented(self) -> bool:
        """``bool(self.documented())`` without building the list (most candidates are learned phrases only)."""
        return any(m.entry.source != "learned" and not m.assertion.categories & _NOT_AFFIRMED for m in self.mentions)


@dataclass(slots=True)
class Analysis:
    """Everything found in one note before profile decisions; reused by training."""
    text: str
    norm: str
    candidates: dict[str, Candidate]
    rejected: list[Rejected]
    n_sentences: int
    clf: Mapping[str, float] = field(default_factory=dict)     # document-classifier P(code | note)


class PrefixTable(list[tuple[tuple[str, ...], str]]):
    """Rows of (code prefixes, target) read from one of our tables; what each code looks up is remembered
    (the billing rules ask it of every candidate of every note)."""

    def __init__(self, rows: Iterable[tuple[tuple[str, ...], str]]) -> None:
        super().__init__(rows)
        self.memo: dict[str, str | None] = {}


def _prefix_table(name: str) -> PrefixTable:
    return PrefixTable((tuple(nodot(p) for p in row[0].split("|")), row[1]) for row in read_table(name))


def _lookup_prefix(code: str, table: list[tuple[tuple[str, ...], str]]) -> str | None:
    """The target of the longest prefix of ``code`` in ``table``."""
    memo = table.memo if isinstance(table, PrefixTable) else None
    if memo is not None:
        got = memo.get(code, "")
        if got != "":
            return got
    found = _longest_prefix(code, table)
    if memo is not None and len(memo) < 100_000:
        memo[code] = found
    return found


def _longest_prefix(code: str, table: list[tuple[tuple[str, ...], str]]) -> str | None:
    c = nodot(code)
    best: tuple[int, str] | None = None
    for prefixes, target in table:
        for p in prefixes:
            if c.startswith(p) and (best is None or len(p) > best[0]):
                best = (len(p), target)
    return best[1] if best else None


class Coder:
    """``Coder().code(text, profile="us-outpatient")`` → :class:`CodingResult`.

    Without a model the coder works from the terminology and rules; ``model`` (a directory written by
    ``chartclaim coder train``) adds learned terms, statistics and a re-ranker."""

    def __init__(self, terminology: Terminology | None = None, model: str | Path | object | None = None,
                 lexicon: Lexicon | None = None, context: ContextRules | None = None) -> None:
        if terminology is None:
            from chartclaim.coding.terminology import load_terminology
            terminology = load_terminology()
        self.term = terminology
        self.lexicon = lexicon or default_lexicon()
        self.context = context or default_rules()
        self.assigner = Assigner(self.term, self.lexicon)
        self.base = build_dictionary(self.term, self.lexicon, self._lexicon_terms())
        from chartclaim.coding.learn import CoderModel
        if model is not None and not isinstance(model, CoderModel):
            model = CoderModel.load(Path(str(model)))
        self.model: CoderModel | None = model
        self.learned: TermDictionary | None = self.model.dictionary(self.lexicon) if self.model else None
        self.combos = [(tuple(nodot(p) for p in r[0].split("|")), tuple(nodot(p) for p in r[1].split("|")),
                        r[2], r[3] == "yes") for r in read_table("combinations.tsv")]
        self.history_z = _prefix_table("history_z.tsv")
        self.family_z = _prefix_table("family_z.tsv")
        self.integral = _prefix_table("integral_symptoms.tsv")
        self.mention_rules = MentionRules(self.lexicon)
        self._notes_cache: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
        self._reading_order: dict[tuple[str, ...], tuple[list[Entry], int]] = {}
        self._learned_readings: dict[tuple[str, ...], list[tuple[str, Entry, str, int]]] = {}
        self._grams: tuple[TermDictionary | None, GramIndex] | None = None
        # kind -> code whose note it is -> code -> in that note?  Nested, not keyed by (code, of, kind): string keys
        # hash once, and each code's own small dict stays hot (the same few hundred codes meet note after note)
        self._pair_cache: dict[str, dict[str, dict[str, bool]]] = {}
        self._pair_n = 0                           # pairs remembered (bounded)
        self._unspec_cache: dict[str, bool] = {}
        self._code_facts: dict[str, Any] = {}      # billing_rules._CodeFacts per code

    def _lexicon_terms(self) -> Iterable[tuple[str, Entry]]:
        for row in read_table("terms.tsv"):
            if row[1] in self.term.codes:
                yield row[0], Entry(row[1], "lexicon", row[0])

    def with_model(self, model: object | None) -> Coder:
        """A coder sharing this one's compiled terminology, with another model (used by training)."""
        other = object.__new__(Coder)
        for k in ("term", "lexicon", "context", "assigner", "base", "combos", "history_z", "family_z", "integral",
                  "_notes_cache", "_reading_order", "mention_rules", "_unspec_cache", "_code_facts"):
            setattr(other, k, getattr(self, k))
        other.model = model  # type: ignore[assignment]
        other.learned = model.dictionary(self.lexicon) if model is not None else None  # type: ignore[attr-defined]
        other._learned_readings = {}
        other._grams = None
        other._pair_cache = self._pair_cache
        other._pair_n = 0
        return other

    # ---------------------------------------------------------------- analysis
    def analyse(self, text: str) -> Analysis:
        norm = normalise(text)
        cands: dict[str, Candidate] = {}
        rejected: list[Rejected] = []
        use_clf = bool(self.model is not None and self.model.classifiers)
        # the note's sentences with their tokens first: with a model, the 1-3 word runs of the whole note are
        # looked up at once (GramIndex), then each sentence takes its learned runs in turn as before
        sents = []
        for sec in find_sections(norm):
            for sent in split_sentences(text, sec.start, sec.end, sec.name):
                toks = self.lexicon.tokens(text, norm, sent.start, sent.end)
                if toks:
                    sents.append((sec.name, sent, toks))
        learned_runs: list[list[tuple[tuple[str, ...], int, int]]] = []
        clf_first: list[tuple[tuple[str, ...], int, int, int, int]] = []
        if self.learned is not None:
            learned_runs, clf_first = self._gram_index().lookup([toks for _n, _s, toks in sents])
        sent_triggers = []
        for n_sent, (sec_name, sent, toks) in enumerate(sents):
            triggers = self.context.triggers(norm, sent.start, sent.end)
            sent_triggers.append(triggers)
            matches = self.mention_rules.refine(self.base.match(toks), toks, text, norm, triggers)
            chosen, uncertain = split_uncertain(
                matches, self._maximal(matches, rejected, text),
                [(t.start, t.end) for t in triggers if t.category == "possible"],
                lambda ms: self._maximal(ms, rejected, text))
            if chosen:
                # what assignment reads of the sentence (most sentences match no term: worked out only here)
                ctx_norms = frozenset(map(_NORM, toks))
                enc = encounter_of(norm[sent.start:sent.end])
                for m in chosen:
                    self._assign(m, toks, text, norm, triggers, ctx_norms, enc, sec_name, n_sent,
                                 False, cands, rejected)
            if uncertain:
                mark_uncertain(cands, uncertain, n_sent)
            if learned_runs and learned_runs[n_sent]:
                self._learned_found(learned_runs[n_sent], norm, triggers, sec_name, n_sent, cands)
        self._combine(cands, rejected, text)
        an = Analysis(text, norm, cands, rejected, len(sents))
        if use_clf:
            self._classify(an, clf_first, [sec_name for sec_name, _s, _t in sents], sent_triggers)
        return an

    def _gram_index(self) -> GramIndex:
        """The learned phrases and classifier keys as integer run keys (built once per model)."""
        got = self._grams
        if got is None or got[0] is not self.learned:
            clf = list(self.model.classifier_vocabulary()) if self.model is not None and self.model.classifiers else []
            got = self._grams = (self.learned, GramIndex(self.learned.terms if self.learned else (), clf))
        return got[1]

    def _classify(self, an: Analysis, found: list[tuple[tuple[str, ...], int, int, int, int]], sections: list[str],
                  triggers_of: list[list]) -> None:
        """Codes the practice assigns from the note as a whole; evidence is the phrase weighing most. ``found``:
        the note's classifier keys at their first run, (key, key number, sentence, start, end), as
        :meth:`GramIndex.lookup` gives them; ``sections`` and ``triggers_of``: each sentence's section and
        context triggers."""
        assert self.model is not None
        probs, support = self.model.classify_ids([f[0] for f in found], [f[1] for f in found])
        an.clf = probs
        first: dict[tuple[str, ...], tuple[tuple[str, ...], int, int, int, int]] | None = None
        for code, p, key in support:
            if p < CLASSIFIER_MIN or code in an.candidates or code not in self.term.codes:
                continue
            if first is None:
                first = {f[0]: f for f in found}    # only for the few codes no phrase proposed
            _key, _kid, sent_no, s, e = first[key]
            section, triggers = sections[sent_no], triggers_of[sent_no]
            assertion = self.context.assert_mention(an.norm, triggers, s, e, section)
            entry = Entry(code, "learned", an.text[s:e])
            men = Mention(code, entry, key, s, e, sent_no, section, assertion,
                          f"document classifier learned from coded history (p={p:.2f})")
            an.candidates[code] = Candidate(code, [men])

    def _learned_mentions(self, grams: list[tuple[tuple[str, ...], int, int, tuple[int, ...]]], norm: str,
                          triggers: list, section: str, sent_no: int, cands: dict[str, Candidate]) -> None:
        """Learned phrases are runs of 1-3 words: one dictionary lookup per run. A run inside a longer run that
        also matched is dropped (as :meth:`_maximal` does; for runs, a strict subset of a run is one of its
        shorter sub-runs). Learned codes need no completion, so each phrase's readings are worked out once."""
        terms = self.learned.terms  # type: ignore[union-attr]
        found = [g for g in grams if g[0] in terms]
        if not found:
            return
        inner: set[tuple[int, ...]] = set()
        for g in found:
            idx = g[3]
            if len(idx) == 2:
                inner.add(idx[:1])
                inner.add(idx[1:])
            elif len(idx) == 3:
                inner.update((idx[:1], idx[1:2], idx[2:], idx[:2], idx[1:]))
        self._learned_found([(k, s, e) for k, s, e, idx in found if idx not in inner], norm, triggers, section,
                            sent_no, cands)

    def _learned_found(self, found: list[tuple[tuple[str, ...], int, int]], norm: str, triggers: list, section: str,
                       sent_no: int, cands: dict[str, Candidate]) -> None:
        """Mentions of the learned runs (key, start, end) of one sentence that no longer learned run of the sentence contains."""
        terms = self.learned.terms  # type: ignore[union-attr]
        readings = self._learned_readings
        # each trigger's decision is worked out once per mention start or end (see ContextRules.asserter)
        assert_mention = self.context.asserter(norm, triggers, section)
        cands_get = cands.get
        for key, s, e in found:
            got = readings.get(key)
            if got is None:
                got = readings[key] = self._readings_of(terms[key])
            assertion = assert_mention(s, e)
            for code, entry, rule, ambiguity in got:
                men = Mention(code, entry, key, s, e, sent_no, section, assertion, rule, ambiguity)
                c = cands_get(code)
                if c is None:
                    cands[code] = Candidate(code, [men])
                else:
                    c.mentions.append(men)

    def _readings_of(self, entries: list[Entry]) -> list[tuple[str, Entry, str, int]]:
        """(code, entry, rule, ambiguity) of each reading of a learned phrase, as :meth:`_assign` gives them."""
        ambiguity = len({e.code for e in entries}) if len(entries) > 1 else len(entries)
        out: list[tuple[str, Entry, str, int]] = []
        seen: set[str] = set()
        for e in entries:
            code = e.code
            if code in seen:
                continue
            seen.add(code)
            rule = "term"
            if code != e.code.rstrip("-"):
                rule = f"most specific code the text supports below {e.code.rstrip('-')}"
            out.append((code, e, rule, ambiguity))
        return out

    def _maximal(self, matches: list[Match], rejected: list[Rejected], text: str) -> list[Match]:
        """Drop a match whose tokens are a strict subset of another's: 'pain' inside 'pain in left knee'."""
        if len(matches) < 2:
            return matches
        sets = [frozenset(m.idx) for m in matches]
        by_tok: dict[int, list[int]] = {}
        for j, m in enumerate(matches):
            for t in m.idx:
                by_tok.setdefault(t, []).append(j)
        keep = []
        for i, m in enumerate(matches):
            si = sets[i]
            if any(len(sets[j]) > len(si) and si < sets[j] for j in by_tok[m.idx[0]]):
                continue
            keep.append(m)
        return keep

    def _assign(self, m: Match, toks: list[Tok], text: str, norm: str, triggers: list, ctx: frozenset[str],
                enc: str, section: str, sent_no: int, learned: bool, cands: dict[str, Candidate],
                rejected: list[Rejected]) -> None:
        assertion = self.context.assert_mention(norm, triggers, m.start, m.end, section)
        entries = m.entries
        if not learned and len(entries) > 1:
            # one reading per term: prefer the index (what coders look up), then billable codes.
            # The base dictionary is fixed once built, so the order is worked out once per term.
            got = self._reading_order.get(m.key)
            if got is None:
                got = (sorted(entries, key=lambda e: (-_SOURCE_RANK.get(e.source, 0), self._is_other(e.code),
                                                      not self.term.is_billable(e.code), e.code)),
                       len({e.code for e in entries}))
                self._reading_order[m.key] = got
            entries, ambiguity = got
        else:
            ambiguity = len({e.code for e in entries}) if len(entries) > 1 else len(entries)
        seen: set[str] = set()
        for e in entries:
            if learned:
                code: str | None = e.code
            else:
                hint = main = None
                if e.source == "index":
                    hint, main = self.assigner.see_words.get(e.text), self.assigner.main_term.get(e.text)
                code = self.assigner.complete(e.code, ctx | hint if hint else ctx, enc, main)
                if code is not None and self.assigner.contradicted(code, ctx):
                    continue
            if code is None or code in seen:
                continue
            seen.add(code)
            rule = "term"
            if code != e.code.rstrip("-"):
                rule = f"most specific code the text supports below {e.code.rstrip('-')}"
                if self.term.codes[code].generated7:
                    rule += f"; 7th character {code[-1]} ({'initial encounter' if code[-1] == 'A' else 'from text'})"
            men = Mention(code, e, m.key, m.start, m.end, sent_no, section, assertion, rule, ambiguity)
            cands.setdefault(code, Candidate(code)).mentions.append(men)
            if not learned:
                break

    def _is_unspecified(self, code: str) -> bool:
        info = self.term.codes.get(code)
        return bool(info and "unspecified" in info.description.lower())

    def _is_other(self, code: str) -> bool:
        info = self.term.codes.get(code.rstrip("-"))
        return bool(info and info.description.lower().startswith("other"))

    def _combine(self, cands: dict[str, Candidate], rejected: list[Rejected], text: str) -> None:
        # only documented codes under some prefix of the table can combine: look at those alone (most of a
        # note's candidates are learned phrases, and is_documented reads every mention)
        firsts = tuple(sorted({p[0] for a, _b, _t, _k in self.combos for p in a}))
        prefixes = tuple(sorted({p for a, b, _t, _k in self.combos for p in (*a, *b)}))
        for _ in range(2):
            if not any(c.code.startswith(firsts) and c.is_documented() for c in cands.values()):
                return
            live = [(k, c) for c in cands.values() if (k := nodot(c.code)).startswith(prefixes) and c.is_documented()]
            for a_pref, b_pref, target, keep_b in self.combos:
                a = next((c for k, c in live if k.startswith(a_pref) and c.code in cands), None)
                if a is None:
                    continue
                # the use-additional code is the most specific one documented ('CKD 3b' over 'CKD')
                b = min((c for k, c in live if k.startswith(b_pref) and c.code in cands),
                        key=lambda c: self._is_unspecified(c.code), default=None)
                if b is None or a is b or target not in self.term.codes:
                    continue
                new = cands.setdefault(target, Candidate(target))
                new.mentions.extend(a.documented() + b.documented())
                rule = f"combination code: {a.code} + {b.code} -> {target}"
                new.rules.append(rule + ("; " + b.code + " as use-additional" if keep_b else ""))
                for gone in ([a] if keep_b else [a, b]):
                    del cands[gone.code]
                    rejected.append(Rejected(gone.code, f"superseded by combination code {target}",
                                             self._evidence(gone.mentions, text)))
                if keep_b:
                    b.rules.append(f"use additional code with {target}")
                live = [(k, c) for c in cands.values()
                        if (k := nodot(c.code)).startswith(prefixes) and c.is_documented()]

    # ---------------------------------------------------------------- scoring and profiles
    def _heuristic(self, c: Candidate) -> float:
        best = 0.0
        for m in c.mentions:
            s = 0.45 + 0.08 * min(len(m.key), 4) + 0.04 * _SOURCE_RANK.get(m.entry.source, 0)
            s -= 0.1 * (m.ambiguity > 1)
            best = max(best, s)
        return min(0.97, best + 0.03 * min(len(c.mentions) - 1, 3))

    def code(self, text: str, profile: str = "us-outpatient", *, with_procedures: bool = True,
             threshold: float | None = None) -> CodingResult:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
        an = self.analyse(text)
        rejected = list(an.rejected)
        if self.model is not None:
            self.model.score(an, self)
            thr = self.model.threshold if threshold is None else threshold
        else:
            for c in an.candidates.values():
                c.score = self._heuristic(c)
            thr = 0.5 if threshold is None else threshold
        kept = self._apply_profile(an, profile, rejected)
        final: list[Candidate] = []
        below = f" below threshold {thr:.2f}"
        for c in sorted(kept, key=lambda c: -c.score):
            if c.score < thr:
                ev = (self._evidence_of(c.mentions[0], text),) if c.mentions else ()
                rejected.append(Rejected(c.code, f"score {c.score:.2f}{below}", ev, c.score))
            else:
                final.append(c)
        final = self._excludes1(final, rejected, text, separate_ok=profile == "abstraction")
        final = self._order(final)
        codes = tuple(self._suggestion(c, text) for c in final)
        procs: tuple[CodeSuggestion, ...] = ()
        em = None
        if with_procedures:
            from chartclaim.coding.em import suggest_em
            from chartclaim.coding.procedures import detect_procedures
            procs = tuple(detect_procedures(text, an.norm))
            em = suggest_em(text, an.norm, codes)
        return CodingResult(codes, tuple(rejected), procs, em, profile)

    def _apply_profile(self, an: Analysis, profile: str, rejected: list[Rejected]) -> list[Candidate]:
        out: dict[str, Candidate] = {}
        text = an.text
        # Abstraction with a model whose training found (out of fold) that these coders code negated, family or
        # hypothetical mentions: the re-ranker, which sees every mention's context as features, decides about
        # them through its score and the threshold. Without such a model, and in the billing profiles, the
        # guideline rule stands: they are not coded.
        defer = profile == "abstraction" and self.model is not None and bool(self.model.meta.get("defer_context"))
        for c in an.candidates.values():
            if not any(m.assertion.categories for m in c.mentions):
                # nothing negated, uncertain, historical or a family member's: every profile keeps it as is
                # (most candidates are learned phrases with no rule of their own: the mention's rule is the rule)
                rule = "; ".join(dict.fromkeys([*c.rules, c.mentions[0].rule])) if c.rules else c.mentions[0].rule
                self._merge(out, c.code, c, c.mentions, rule)
                continue
            ev = _LazyEvidence(self, c.mentions, text)
            live = [m for m in c.mentions if not m.assertion.categories & {"negated", "hypothetical"}]
            if not live and defer:
                why = "negated" if any(m.assertion.negated for m in c.mentions) else "hypothetical"
                self._merge(out, c.code, c, c.mentions,
                            f"{why} mention, coded as the practice's coded history codes such mentions (abstraction)")
                continue
            if not live:
                why = "negated" if any(m.assertion.negated for m in c.mentions) else "hypothetical"
                rejected.append(Rejected(c.code, f"{why}: {'; '.join(c.mentions[0].assertion.triggers)}", ev.get(), c.score))
                continue
            own = [m for m in live if "family" not in m.assertion.categories]
            if not own and defer:
                self._merge(out, c.code, c, live,
                            "family member's condition, coded as the practice's coded history codes such mentions "
                            "(abstraction)")
                continue
            if not own:
                z = _lookup_prefix(c.code, self.family_z) if profile != "abstraction" else None
                rejected.append(Rejected(c.code, "family member's condition" + (f" -> {z}" if z else ""), ev.get(), c.score))
                if z and z in self.term.codes:
                    self._merge(out, z, c, live, f"family history of {c.code} -> {z}")
                continue
            certain = [m for m in own if "possible" not in m.assertion.categories]
            if not certain and profile == "us-outpatient":
                rejected.append(Rejected(c.code, "uncertain diagnosis: outpatient codes the documented symptoms instead",
                                         ev.get(), c.score))
                continue
            current = [m for m in own if not m.assertion.categories & {"historical", "resolved"}
                       or (profile == "us-inpatient" and listed_chronic(self, c.code, m))]
            if not current and profile != "abstraction" and not nodot(c.code).startswith(HISTORY_CODES):
                if all(listed_chronic(self, c.code, m) for m in own):
                    rejected.append(Rejected(c.code, "chronic condition in the past-history list: ongoing, not "
                                             "history; not addressed at this visit", ev.get(), c.score))
                    continue
                z = _lookup_prefix(c.code, self.history_z)
                if z and z != "-" and z in self.term.codes:
                    rejected.append(Rejected(c.code, f"history only -> {z}", ev.get(), c.score))
                    self._merge(out, z, c, own, f"personal history of {c.code} -> {z}")
                else:
                    rejected.append(Rejected(c.code, "history only; no current condition documented", ev.get(), c.score))
                continue
            rule = "; ".join(dict.fromkeys([*c.rules, own[0].rule]))
            if not certain and profile == "us-inpatient":
                rule += "; uncertain diagnosis coded as if established (inpatient)"
            self._merge(out, c.code, c, own, rule)
        if profile == "us-outpatient":
            self._anchor_to_assessment(out, rejected, text)
        self._drop_unspecified_siblings(out, rejected, text)
        if profile == "us-outpatient":
            # undotted once: with a model the list holds every candidate and this pairs each symptom with each
            confirmed = [(k, nodot(k)) for k in out if not k.startswith("R")]
            for code in list(out):
                if not code.startswith("R"):
                    continue
                undotted = nodot(code)
                targets = tuple(nodot(p) for prefixes, t in self.integral if undotted.startswith(prefixes)
                                for p in t.split("|"))
                hit = next((d for d, d_undotted in confirmed if d_undotted.startswith(targets)), None)
                if hit:
                    rejected.append(Rejected(code, f"symptom integral to confirmed diagnosis {hit}",
                                             self._evidence(out[code].mentions, text), out[code].score))
                    del out[code]
        billing_conventions(self, an, profile, out, rejected)
        return list(out.values())

    def _anchor_to_assessment(self, out: dict[str, Candidate], rejected: list[Rejected], text: str) -> None:
        """Office coding follows the diagnostic statement: when the note has an assessment (A/P, impression,
        diagnoses) that yields a code, a code with no mention there (the HPI's "shoulder pain" beside the A/P's
        "impingement of left shoulder") is not billed. Status, history and family Z codes come from their own
        sections and stay. The HPI may still refine an anchored code: a more specific sibling of an anchored
        unspecified code (same parent, the A/P's words plus e.g. laterality) counts as anchored, and the
        sibling rule then drops the unspecified one."""
        def in_ap(c: Candidate) -> bool:
            return any(m.section in ANCHOR_SECTIONS and m.entry.source != "learned" for m in c.mentions)

        if not any(m.section == "assessment" and m.entry.source != "learned"
                    for c in out.values() for m in c.mentions):
            return
        anchored = {k for k, c in out.items() if in_ap(c)}
        for code in list(out):
            if code in anchored or nodot(code).startswith(STATUS_Z):
                continue
            info = self.term.codes.get(code)
            keys = [set(m.key) for m in out[code].mentions if m.entry.source != "learned"]
            refines = info is not None and info.parent and any(
                (o := self.term.codes.get(a)) is not None and o.parent == info.parent
                and "unspecified" in o.description.lower()
                and any(set(m.key) < k for m in out[a].mentions if m.section in ANCHOR_SECTIONS for k in keys)
                for a in anchored)
            if refines:
                out[code].rules.append("specificity from elsewhere in the note for a code in the assessment")
                continue
            rejected.append(Rejected(code, "outpatient: not in the assessment/plan",
                                     self._evidence(out[code].mentions, text), out[code].score))
            del out[code]

    def _drop_unspecified_siblings(self, out: dict[str, Candidate], rejected: list[Rejected], text: str) -> None:
        """'knee pain' next to 'left knee pain': the unspecified sibling adds nothing."""
        parents = self._parents_of(out)
        siblings: dict[str, list[str]] = {}
        for code, parent in zip(out, parents, strict=True):
            if parent:
                siblings.setdefault(parent, []).append(code)
        for code, parent in zip(list(out), parents, strict=True):
            if not parent or len(siblings[parent]) < 2 or not self._unspecified_with_parent(code):
                continue
            keys = {m.key for m in out[code].mentions if m.entry.source != "learned"}
            if not keys:
                continue
            # the codes of the same parent still listed, in listing order (as a scan of the whole list meets them)
            for other in siblings[parent]:
                oc = out.get(other)
                if other == code or oc is None:
                    continue
                okeys = [m.key for m in oc.mentions if m.entry.source != "learned"]
                if all(any(set(k) < set(ok) for ok in okeys) for k in keys):
                    rejected.append(Rejected(code, f"less specific than {other}",
                                             self._evidence(out[code].mentions, text), out[code].score))
                    del out[code]
                    break

    def _parents_of(self, out: dict[str, Candidate]) -> list[str]:
        """The parent of each listed code ('' for a code without one or not in the code set)."""
        codes = self.term.codes
        return [info.parent or "" if (info := codes.get(code)) is not None else "" for code in out]

    def _unspecified_with_parent(self, code: str) -> bool:
        got = self._unspec_cache.get(code)
        if got is None:
            info = self.term.codes.get(code)
            got = info is not None and "unspecified" in info.description.lower() and bool(info.parent)
            if len(self._unspec_cache) < 100_000:
                self._unspec_cache[code] = got
        return got

    @staticmethod
    def _merge(out: dict[str, Candidate], code: str, src: Candidate, mentions: list[Mention], rule: str) -> None:
        c = out.get(code)
        if c is None:
            out[code] = Candidate(code, list(mentions), [rule], src.score, src.features)
        else:
            c.mentions.extend(mentions)
            c.score = max(c.score, src.score)

    def _excludes1(self, final: list[Candidate], rejected: list[Rejected], text: str,
                   separate_ok: bool = False) -> list[Candidate]:
        """Best first: a later code that Excludes1 an earlier one goes. Abstraction applies the guideline's
        exception for unrelated conditions: two codes documented by separate, non-overlapping text both stay
        (billing profiles stay strict; the provider is queried instead)."""
        kept: list[Candidate] = []
        # a pair can clash only through a code that has an Excludes1 note (most codes have none): the pairs
        # without one are not looked up
        has_note = {c.code: bool(self._notes(c.code, "excludes1")) for c in final}
        for c in final:
            own = has_note[c.code]
            clash = next((k for k in kept if (has_note[k.code] and self._in_notes(c.code, k.code, "excludes1"))
                          or (own and self._in_notes(k.code, c.code, "excludes1"))), None)
            if clash is not None and separate_ok and not self._overlap(clash, c):
                c.rules.append(f"Excludes1 with {clash.code}: kept as a separately documented condition")
                kept.append(c)
                continue
            if clash is not None and not self._paired(clash.code, c.code):
                rejected.append(Rejected(c.code, f"Excludes1 with {clash.code}", self._evidence(c.mentions, text), c.score))
                continue
            kept.append(c)
        return kept

    @staticmethod
    def _overlap(a: Candidate, b: Candidate) -> bool:
        am = [m for m in a.mentions if m.entry.source != "learned"]
        bm = [m for m in b.mentions if m.entry.source != "learned"]
        return any(x.start < y.end and y.start < x.end for x in am for y in bm)

    def _paired(self, a: str, b: str) -> bool:
        return any(self._in_notes(b, a, k) or self._in_notes(a, b, k) for k in ("use_additional", "code_first"))

    def _notes(self, code: str, kind: str) -> tuple[tuple[str, str], ...]:
        key = (code, kind)
        got = self._notes_cache.get(key)
        if got is None:
            got = self.term.notes(code, kind)
            if len(self._notes_cache) < 200_000:
                self._notes_cache[key] = got
        return got

    def _in_notes(self, code: str, of: str, kind: str) -> bool:
        """Is ``code`` in the ``kind`` note (excludes1, code_first, use_additional) of ``of``? Remembered per pair:
        the same few hundred codes meet note after note."""
        by_of = self._pair_cache.get(kind)
        if by_of is None:
            by_of = self._pair_cache[kind] = {}
        known = by_of.get(of)
        if known is None:
            known = by_of[of] = {}
        got = known.get(code)
        if got is None:
            ranges = self._notes(of, kind)
            got = bool(ranges) and in_ranges(code, ranges)
            if self._pair_n < 500_000:
                known[code] = got
                self._pair_n += 1
        return got

    def _order(self, final: list[Candidate]) -> list[Candidate]:
        """Score order, then the conventions: a 'code first' etiology precedes its manifestation, a code
        with 'use additional code' precedes the added code, and a manifestation is never first-listed."""
        order = list(final)
        # only codes that carry a code-first or use-additional note can move anything
        movers = {c.code for c in order if self._notes(c.code, "code_first") or self._notes(c.code, "use_additional")}
        if movers:
            for _ in range(2):
                for i in range(len(order)):
                    for j in range(i + 1, len(order)):
                        a, b = order[i], order[j]
                        if (a.code in movers and self._in_notes(b.code, a.code, "code_first")) or \
                                (b.code in movers and self._in_notes(a.code, b.code, "use_additional")):
                            order.insert(i, order.pop(j))
        if order and self.term.is_manifestation(order[0].code):
            k = next((i for i, c in enumerate(order) if not self.term.is_manifestation(c.code)), None)
            if k is not None:
                order.insert(0, order.pop(k))
        return order

    @staticmethod
    def _evidence_of(m: Mention, text: str) -> Evidence:
        return Evidence(m.start, m.end, text[m.start:m.end], m.entry.text, m.entry.source, m.assertion.triggers,
                        m.section)

    def _evidence(self, mentions: list[Mention], text: str) -> tuple[Evidence, ...]:
        seen = set()
        out = []
        for m in mentions:
            if (m.start, m.end) in seen:
                continue
            seen.add((m.start, m.end))
            out.append(Evidence(m.start, m.end, text[m.start:m.end], m.entry.text, m.entry.source,
                                m.assertion.triggers, m.section))
        return tuple(out)

    def _strongest(self, c: Candidate, limit: int = 5) -> list[Mention]:
        """The mentions that defend a code best: terminology matches first, then learned phrases by how
        reliably the practice coded them; weak learned phrases are shown only when nothing better exists."""
        model = self.model

        def strength(m: Mention) -> float:
            if m.entry.source != "learned":
                return 10.0 + _SOURCE_RANK.get(m.entry.source, 0) + len(m.key)
            if model is None:
                return 0.0
            precision, alignment, _lpos, _locc = model.learned_stat(m.key, c.code)
            return precision + alignment

        # a code can gather hundreds of learned mentions: weigh each learned phrase once
        memo: dict[tuple[str, ...], float] = {}
        weights = []
        for m in c.mentions:
            if m.entry.source != "learned":
                weights.append(strength(m))
                continue
            w = memo.get(m.key)
            if w is None:
                w = memo[m.key] = strength(m)
            weights.append(w)
        order = sorted(range(len(weights)), key=weights.__getitem__, reverse=True)
        strong = [c.mentions[i] for i in order if weights[i] >= 0.5]
        return (strong or [c.mentions[i] for i in order[:1]])[:limit]

    def _suggestion(self, c: Candidate, text: str) -> CodeSuggestion:
        info = self.term.codes.get(c.code)
        rule = "; ".join(dict.fromkeys(c.rules)) or "term"
        best = self._strongest(c)
        if best and best[0].entry.source == "learned" and rule == "term":
            rule = best[0].rule if best[0].rule != "term" else "learned from coded history"
        ctx = tuple(dict.fromkeys(t for m in best for t in m.assertion.triggers))
        return CodeSuggestion(c.code, "ICD-10-CM", max(0.0, min(1.0, c.score)), self._evidence(best, text),
                              rule, info.description if info else "", ctx)


class _LazyEvidence:
    """Evidence of a candidate, built only if the candidate ends up rejected (most are kept or cheap)."""

    def __init__(self, coder: Coder, mentions: list[Mention], text: str) -> None:
        self.args = (coder, mentions, text)

    def get(self) -> tuple[Evidence, ...]:
        coder, mentions, text = self.args
        return coder._evidence(mentions, text)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -35 else 0.0
