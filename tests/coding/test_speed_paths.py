"""The coder's fast paths give exactly what the plain computations they replace give."""

from __future__ import annotations

import math
import operator
import random

import pytest

from chartclaim.coding.dictionary import GramIndex, Match, ngram_keys
from chartclaim.coding.learn import FEATURES, Doc, _logits, expand, train
from chartclaim.coding.lexicon import GENERIC, Tok
from chartclaim.coding.pipeline import MAX_LEARNED_N, Candidate, Coder
from chartclaim.coding.text import find_sections, normalise, split_sentences

from .test_learn_cli import _history


def _plain_spans(toks: list[Tok], max_n: int) -> list[tuple[tuple[str, ...], int, int, tuple[int, ...]]]:
    """Runs of 1..max_n kept tokens, written the obvious way."""
    keep = [i for i, t in enumerate(toks) if not t.norm.isdigit() or len(t.norm) < 3]
    out = []
    for a in range(len(keep)):
        for n in range(1, max_n + 1):
            run = keep[a:a + n]
            if len(run) < n:
                break
            if all(toks[i].norm in GENERIC or toks[i].norm.isdigit() for i in run):
                continue
            out.append((tuple(sorted({toks[i].norm for i in run})), toks[run[0]].start, toks[run[-1]].end, tuple(run)))
    return out


@pytest.mark.parametrize("max_n", [1, 2, 3, 4])
def test_plain_runs_are_the_training_keys(max_n: int) -> None:
    """The oracle below (runs with their token indices) gives the keys `coder train` learns from."""
    rng = random.Random(max_n)
    vocab = ["pain", "knee", "left", "diseas", "chronic", "2", "1234", "renal", "pain", "fail"]
    for _ in range(300):
        toks = [Tok(3 * i, 3 * i + 2, rng.choice(vocab)) for i in range(rng.randint(0, 9))]
        got = _plain_spans(toks, max_n)
        assert [(k, s, e) for k, s, e, _ in got] == ngram_keys(toks, max_n)


def test_logits_match_the_per_candidate_sum_exactly() -> None:
    rng = random.Random(5)
    n = len(FEATURES)
    w = [rng.uniform(-3, 3) for _ in expand([0.0] * n)]
    b = rng.uniform(-2, 2)
    rows = [[rng.choice([0.0, 1.0, rng.uniform(-5, 5)]) for _ in range(n)] for _ in range(40)]
    want = [b + sum(map(operator.mul, w, expand(x))) for x in rows]
    assert _logits(rows, b, w) == want          # the same floating-point result, not merely close
    assert _logits([], b, w) == []


@pytest.fixture(scope="module")
def trained(coder: Coder) -> Coder:
    docs = [Doc(str(r["id"]), str(r["text"]), list(r["codes"])) for r in _history()]  # type: ignore[call-overload]
    return coder.with_model(train(coder, docs, folds=3))


NOTES = [
    "Vital signs were stable. Exam showed blue toe syndrome of the right foot. Reports mild tiredness.",
    "No blue toe syndrome. Mother had blue toe syndrome. Known essential hypertension; blue toe syndrome, right.",
    "History of blue toe syndrome. Possible blue toe syndrome of the right foot. Labs were unremarkable.",
]


@pytest.mark.parametrize("text", NOTES)
def test_learned_phrases_one_pass_equals_maximal_then_assign(trained: Coder, text: str) -> None:
    """The learned-phrase pass keeps the same runs as _maximal and gives the same mentions as _assign."""
    assert trained.learned is not None
    norm = normalise(text)
    n_sent = 0
    fast: dict[str, Candidate] = {}
    plain: dict[str, Candidate] = {}
    for sec in find_sections(norm):
        for sent in split_sentences(text, sec.start, sec.end, sec.name):
            toks = trained.lexicon.tokens(text, norm, sent.start, sent.end)
            if not toks:
                continue
            triggers = trained.context.triggers(norm, sent.start, sent.end)
            grams = _plain_spans(toks, MAX_LEARNED_N)
            trained._learned_mentions(grams, norm, triggers, sec.name, n_sent, fast)
            terms = trained.learned.terms
            found = [Match(k, terms[k], idx, s, e) for k, s, e, idx in grams if k in terms]
            for m in trained._maximal(found, [], text):
                trained._assign(m, toks, text, norm, triggers, frozenset(t.norm for t in toks), "A", sec.name,
                                n_sent, True, plain, [])
            n_sent += 1
    assert list(fast) == list(plain) and fast
    for code, c in fast.items():
        assert c.mentions == plain[code].mentions


@pytest.mark.parametrize("profile", ["us-outpatient", "us-inpatient", "abstraction"])
def test_fast_paths_keep_every_output_of_a_trained_coder(trained: Coder, profile: str) -> None:
    """Whole results (codes, scores, evidence, rejected with reasons) are stable and well formed."""
    for text in NOTES:
        a = trained.code(text, profile=profile)
        b = trained.code(text, profile=profile)
        assert a == b
        assert all(0.0 <= c.score <= 1.0 and c.evidence for c in a.codes)
        thr = trained.model.threshold  # type: ignore[union-attr]
        assert all(c.score >= thr for c in a.codes)
        below = [r for r in a.rejected if r.reason.startswith("score ")]
        assert all(r.score < thr and r.evidence and f"below threshold {thr:.2f}" in r.reason for r in below)
        assert not math.isnan(sum(c.score for c in a.codes))



def test_terms_at_finds_what_a_scan_of_the_anchor_list_finds(coder: Coder) -> None:
    """The two-token index of the term dictionary misses no term and keeps the filing order."""
    d = coder.base
    rng = random.Random(11)
    some_terms = list(d.terms)[::40]
    vocab = sorted({t for key in some_terms for t in key})
    anchors = sorted(d.anchors)
    hits = 0
    for _ in range(400):
        # a sentence holding one term's tokens and random others; anchors from it and from elsewhere
        present = set(rng.choice(some_terms)) | set(rng.sample(vocab, rng.randint(0, 25)))
        anchor = rng.choice(sorted(present) + anchors[::500])
        present.add(anchor)
        want = [key for key, rest in d.anchors.get(anchor, ()) if not rest or rest <= present]
        assert d.terms_at(anchor, present) == want
        hits += len(want)
    assert hits > 20          # the comparison saw real matches, not only empty lists


def test_base_matches_unchanged_on_a_note(coder: Coder) -> None:
    text = "Pain in the left knee. Type 2 diabetes mellitus with diabetic chronic kidney disease, stage 3. HTN and COPD."
    norm = normalise(text)
    toks = coder.lexicon.tokens(text, norm, 0, len(text))
    found = {(m.key, m.idx) for m in coder.base.match(toks)}
    keys = {k for k, _ in found}
    assert any({"pain", "knee"} <= set(k) for k in keys)
    assert not any("hypertens" in k and "pulmonari" in k for k in keys)   # 'HTN and COPD' is not pulmonary hypertension


def _fold_each_character(text: str) -> str:
    """Normalisation written the obvious way: one character at a time."""
    import unicodedata

    from chartclaim.coding.text import _ONE_TO_ONE
    out = []
    for ch in text.translate(_ONE_TO_ONE):
        low = ch.lower()
        if len(low) != 1:
            low = ch
        if not low.isascii():
            low = unicodedata.normalize("NFD", low)[0]
            if not low.isascii():
                low = " "
        out.append(low)
    return "".join(out)


def test_normalise_equals_folding_each_character() -> None:
    rng = random.Random(3)
    samples = ["Dose 5 µg, café-au-lait macules, Straße, İstanbul, ﬁbrosis, 38 °C — “quoted”\u00a0text",
               "".join(chr(c) for c in range(0x20, 0x2200) if not 0xD800 <= c < 0xE000)]
    for _ in range(300):
        samples.append("".join(chr(rng.choice([rng.randint(32, 126), rng.randint(0xA0, 0x24FF)]))
                               for _ in range(rng.randint(0, 30))))
    for _ in range(300):        # ASCII only, tabs and control characters included (the ASCII fast path)
        samples.append("".join(chr(rng.randint(0, 127)) for _ in range(rng.randint(0, 30))))
    assert sum(s.isascii() and "\t" in s for s in samples) > 20
    for text in samples:
        got = normalise(text)
        assert got == _fold_each_character(text)
        assert len(got) == len(text) and got.isascii()


def test_code_prefixes_count_every_prefix_of_every_candidate() -> None:
    from collections import Counter
    from types import SimpleNamespace

    from chartclaim.coding.learn import code_prefixes
    codes = ["E11.22", "E11.9", "N18.32", "I10", "S52.501A", "E11.22"]
    an = SimpleNamespace(candidates={c: None for c in codes})
    want: Counter[str] = Counter()
    for code in an.candidates:
        c = code.replace(".", "")
        for i in range(3, len(c) + 1):
            want[c[:i]] += 1
        want["=" + c] += 1
    got = code_prefixes(an)  # type: ignore[arg-type]
    assert got == want and got["E11"] == 2 and got["=E1122"] == 1 and "=E11" not in got


def _drop_less_specific_full_scan(coder: Coder, out: dict[str, Candidate]) -> list[tuple[str, str]]:
    """The specificity rule written the obvious way: every listed code against every other, in order."""
    from chartclaim.coding.billing_rules import (
        _UNSPEC,
        _WITHOUT_COMPLICATION,
        _desc_words,
        unspecified_branch,
    )
    from chartclaim.coding.terminology import nodot
    dropped = []
    codes = list(out)
    for x in codes:
        info = coder.term.codes.get(x)
        if info is None or x not in out:
            continue
        desc = info.description.lower()
        unspec = bool(_UNSPEC.search(desc))
        without = bool(_WITHOUT_COMPLICATION.search(desc))
        if not unspec and not without:
            continue
        words = _desc_words(coder, x) if unspec else frozenset()
        for y in codes:
            if y == x or y not in out or coder._paired(x, y):
                continue
            why = None
            if unspec and unspecified_branch(coder, x, y):
                why = f"unspecified beside the more specific {y} (same category)"
            elif unspec and words and x[0] == y[0] and words < _desc_words(coder, y):
                why = f"unspecified beside the more specific {y}"
            elif without and nodot(y)[:3] == nodot(x)[:3] and not _WITHOUT_COMPLICATION.search(
                    (coder.term.codes[y].description if y in coder.term.codes else "").lower()):
                why = f"'without complications' beside {y}, which codes a complication"
            if why:
                dropped.append((x, why))
                del out[x]
                break
    return dropped


def test_drop_less_specific_equals_the_full_pair_scan(coder: Coder) -> None:
    """The indexed lookup of the codes that can make a code less specific drops exactly what pairing every
    listed code with every other drops, with the same reasons, on lists as long as a model's candidates."""
    from chartclaim.coding.billing_rules import drop_less_specific
    families = ("J02", "I48", "N18", "M54", "E11", "E10", "Z12", "Z13", "R10", "R51", "S52.5", "K21", "I10",
                "F17", "J44", "G43", "L03", "H66", "R69", "R52")
    pool = sorted(c for c in coder.term.codes if c.startswith(families) and coder.term.is_billable(c))
    assert len(pool) > 200
    rng = random.Random(7)
    dropped_any = 0
    for _ in range(60):
        listed = [*rng.sample(pool, rng.randint(2, 90)), "NOT.A.CODE"]
        rng.shuffle(listed)
        fast = {c: Candidate(c) for c in listed}
        plain = {c: Candidate(c) for c in listed}
        rejected: list = []
        drop_less_specific(coder, fast, rejected, "")
        want = _drop_less_specific_full_scan(coder, plain)
        assert [(r.code, r.reason) for r in rejected] == want
        assert list(fast) == list(plain)
        dropped_any += len(want)
    assert dropped_any > 50        # the lists were realistic enough to drop codes, not only to keep them


def _classify_plain(model, keys):  # type: ignore[no-untyped-def]
    """The document classifiers summed key by key, as written before the ``np.add.at`` pass."""
    z: dict[str, float] = {}
    best: dict[str, tuple[float, tuple[str, ...]]] = {}
    for k in keys:
        for code, (b, ws) in model.classifiers.items():
            w = ws.get(k)
            if w is None:
                continue
            z[code] = z.get(code, b) + w
            if w > 0 and (code not in best or w > best[code][0]):
                best[code] = (w, k)
    probs = {c: 1.0 / (1.0 + math.exp(-b)) if b > -35 else 0.0 for c, (b, _w) in model.classifiers.items()}
    for c, v in z.items():
        probs[c] = 1.0 / (1.0 + math.exp(-v)) if v > -35 else 0.0
    order = list(model.classifiers)
    return probs, [(c, probs[c], best[c][1]) for c in sorted(best, key=order.index)]


def test_classify_note_equals_the_key_by_key_sums(trained: Coder) -> None:
    model = trained.model
    assert model is not None and model.classifiers
    vocab = sorted(model.classifier_vocabulary())
    rng = random.Random(3)
    for n in (0, 1, 5, 40, len(vocab)):
        keys = [*rng.sample(vocab, min(n, len(vocab))), ("nonexistentword",)]
        probs, support = model.classify_note(keys)
        want_probs, want_support = _classify_plain(model, keys)
        assert dict(probs.items()) == want_probs          # the same floats, not merely close
        assert support == want_support
        assert ("nonexistentword",) not in {k for _c, _p, k in support}
        if n == len(vocab):
            assert support          # the comparison saw keys that move classifiers


def test_classify_note_ties_and_repeats_as_the_key_by_key_sums(trained: Coder) -> None:
    """Equal weights of two keys for one code: the first key in the note supports it; a key given twice adds
    twice; a code no key touches keeps its intercept's probability."""
    from chartclaim.coding.learn import CoderModel

    model = trained.model
    assert model is not None
    codes = ["J18.9", "R05.9", "I10", "E11.9"]
    clfs = {codes[0]: (-1.0, {("a",): 0.5, ("b",): 0.5, ("c",): -0.25}),
            codes[1]: (0.3, {("b",): 0.7, ("a",): 0.2, ("a", "b"): 0.7}),
            codes[2]: (0.0, {("c",): 1e-3, ("a", "b"): -2.0}),
            codes[3]: (-40.0, {("z",): 0.1})}
    small = CoderModel(model.stats, model.coef, model.intercept, model.mean, model.scale, model.threshold,
                       model.meta, clfs)
    for words in (["a", "b", "c"], ["b", "a"], ["c", "b", "a", "a"], ["a b", "b", "a"], [], ["q"]):
        keys = [tuple(w.split()) for w in words]
        probs, support = small.classify_note(keys)
        want_probs, want_support = _classify_plain(small, keys)
        assert dict(probs.items()) == want_probs
        assert support == want_support
    _p, support = small.classify_note([("b",), ("a",)])
    assert [(c, k) for c, _p, k in support] == [(codes[0], ("b",)), (codes[1], ("b",))]


@pytest.mark.parametrize("text", [
    "No fever, chills or night sweats but reports cough. Mother had breast cancer.",
    "Denies chest pain. Possible pneumonia, rule out tuberculosis; history of asthma which resolved.",
    "Family history: colon cancer: colonoscopy for screening. Pneumonia likely. Gastroenteritis, probably viral.",
])
def test_asserter_equals_assert_mention_for_every_span(coder: Coder, text: str) -> None:
    norm = normalise(text)
    seen: set[str] = set()
    for sec in find_sections(norm):
        for sent in split_sentences(text, sec.start, sec.end, sec.name):
            triggers = coder.context.triggers(norm, sent.start, sent.end)
            decide = coder.context.asserter(norm, triggers, sec.name)
            toks = coder.lexicon.tokens(text, norm, sent.start, sent.end)
            for i, a in enumerate(toks):
                for b in toks[i:i + 4]:
                    want = coder.context.assert_mention(norm, triggers, a.start, b.end, sec.name)
                    assert decide(a.start, b.end) == want
                    seen.update(want.categories)
    assert len(seen) >= 2           # spans inside and outside trigger scopes were compared


def test_trie_alternation_matches_what_the_flat_alternation_matches() -> None:
    import re

    from chartclaim.coding.text import alternation

    rng = random.Random(9)
    pieces = ["no", "not", "neg", "r/o", "h/o", "s", "(+)", "a", "ab", "abc", "x-y", "n"]
    for _ in range(300):
        phrases = sorted(set(rng.sample(pieces, rng.randint(1, len(pieces)))), key=len, reverse=True)
        flat = re.compile(rf"(?<![a-z0-9])(?:{'|'.join(re.escape(p) for p in phrases)})(s?)(?![a-z0-9])")
        trie = re.compile(rf"(?<![a-z0-9])(?:{alternation(phrases)})(s?)(?![a-z0-9])")
        text = "".join(rng.choice([*pieces, " ", "t", "/", "1"]) for _ in range(rng.randint(0, 15)))
        a, b = sorted((rng.randint(0, len(text)), rng.randint(0, len(text))))
        want = [(m.span(), m.groups()) for m in flat.finditer(text, a, b)]
        assert [(m.span(), m.groups()) for m in trie.finditer(text, a, b)] == want
    with pytest.raises(ValueError):
        alternation(["a", "ab"])          # a phrase before a longer one it begins: the order would matter


def _runs_the_old_way(sentences: list[list[Tok]], learned: set[tuple[str, ...]], clf: list[tuple[str, ...]]
                      ) -> tuple[list[list[tuple[tuple[str, ...], int, int]]], list[tuple[tuple[str, ...], int, int, int, int]]]:
    """Per sentence, the runs and a dict lookup per run, the inner runs of learned runs dropped; the first
    run of each classifier key of 1-2 tokens (what Coder.analyse did before GramIndex)."""
    kid = {k: i for i, k in enumerate(clf)}
    found: list[list[tuple[tuple[str, ...], int, int]]] = []
    first: dict[tuple[str, ...], tuple[tuple[str, ...], int, int, int, int]] = {}
    for j, toks in enumerate(sentences):
        grams = _plain_spans(toks, MAX_LEARNED_N)
        hits = [g for g in grams if g[0] in learned]
        inner: set[tuple[int, ...]] = set()
        for _k, _s, _e, idx in hits:
            inner.update(idx[a:b] for a in range(len(idx)) for b in range(a + 1, len(idx) + 1) if b - a < len(idx))
        found.append([(k, s, e) for k, s, e, idx in hits if idx not in inner])
        for k, s, e, _idx in grams:
            if len(k) <= 2 and k not in first and k in kid:
                first[k] = (k, kid[k], j, s, e)
    return found, list(first.values())


def test_gram_index_equals_runs_looked_up_one_by_one() -> None:
    rng = random.Random(11)
    words = ["pain", "knee", "left", "diseas", "chronic", "2", "1234", "renal", "fail", "x", "blue", "toe"]
    for _ in range(200):
        sentences = [[Tok(100 * j + 3 * i, 100 * j + 3 * i + 2, rng.choice(words)) for i in range(rng.randint(0, 8))]
                     for j in range(rng.randint(1, 4))]
        sentences = [s for s in sentences if s]
        all_keys = {k for toks in sentences for k, *_ in _plain_spans(toks, 3)}
        pool = sorted(all_keys | {("zzz",), ("knee", "zzz"), ("1234",), ("left",), ("2", "left")})
        learned = set(rng.sample(pool, len(pool) // 2))
        clf = rng.sample(pool, len(pool) // 2)
        got = GramIndex(learned, clf).lookup(sentences)
        assert got == _runs_the_old_way(sentences, learned, clf)


def test_gram_index_on_real_notes_of_a_trained_coder(trained: Coder) -> None:
    """The trained coder's learned phrases and classifier keys, on the notes it was trained on."""
    assert trained.learned is not None and trained.model is not None
    learned = set(trained.learned.terms)
    clf = list(trained.model.classifier_vocabulary())
    index = trained._gram_index()
    n_found = n_clf = 0
    for text in [str(r["text"]) for r in _history()] + NOTES:
        norm = normalise(text)
        sentences = [toks for sec in find_sections(norm) for s in split_sentences(text, sec.start, sec.end, sec.name)
                     if (toks := trained.lexicon.tokens(text, norm, s.start, s.end))]
        got = index.lookup(sentences)
        assert got == _runs_the_old_way(sentences, learned, clf)
        n_found += sum(map(len, got[0]))
        n_clf += len(got[1])
    assert n_found and n_clf          # the comparison saw runs of both kinds


def _split_sentences_plain(text: str, start: int, end: int, section: str) -> list[tuple[int, int, str]]:
    """Sentence splitting as written before the dot pre-check: the abbreviation regex at every break."""
    from chartclaim.coding.text import _ABBREV_END, _SENT_END

    out = []
    pos = start
    for m in _SENT_END.finditer(text, start, end):
        if m.group().startswith("\n") is False and _ABBREV_END.search(text, max(pos, m.start() - 8), m.start()):
            continue
        if text[pos:m.start()].strip():
            out.append((pos, m.start(), section))
        pos = m.end()
    if text[pos:end].strip():
        out.append((pos, end, section))
    return out


def test_split_sentences_equals_the_abbreviation_check_at_every_break() -> None:
    rng = random.Random(7)
    pieces = ["Dr.", "dr.", "e.g.", "i.e.", "vs.", "No.", "pt.", "s.p.", "St.", "fever", "Pain", "3", "(x)", "'q'",
              ".", "!", "?", ";", " ", "  ", "\n", "\n\n", "\t", "\u00a0", "A", "b.", "approx.", "Jr.", "h.o."]
    n_breaks = 0
    for _ in range(2000):
        text = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(0, 25)))
        a, b = sorted((rng.randint(0, len(text)), rng.randint(0, len(text))))
        for lo, hi in ((0, len(text)), (a, b)):
            want = _split_sentences_plain(text, lo, hi, "hpi")
            assert [tuple(s) for s in split_sentences(text, lo, hi, "hpi")] == want
            n_breaks += len(want)
    assert n_breaks > 5000
