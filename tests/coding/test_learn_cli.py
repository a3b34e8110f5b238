from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chartclaim.coding.learn import CoderModel, read_coded, train
from chartclaim.coding.pipeline import Coder

FILLER = ["The patient was seen in clinic.", "Vital signs were stable.", "Labs were unremarkable.",
          "She was discharged home.", "Follow-up in two weeks was arranged."]


def _history(n: int = 40) -> list[dict[str, object]]:
    """Coders in this practice code 'blue toe syndrome' as I75.021 and ignore 'mild tiredness'."""
    rng = random.Random(3)
    rows = []
    for i in range(n):
        lines = rng.sample(FILLER, 3)
        codes = []
        if i % 2 == 0:
            lines.append("Exam showed blue toe syndrome of the right foot.")
            codes.append("i75021")          # lower case, no dot: accepted
        if i % 3 == 0:
            lines.append("Reports mild tiredness.")
        if i % 4 == 0:
            lines.append("Known essential hypertension.")
            codes.append("I10")
        rows.append({"id": f"n{i}", "text": " ".join(lines), "codes": codes})
    return rows


def test_read_coded_accepts_both_field_names_and_names_bad_lines(tmp_path: Path) -> None:
    p = tmp_path / "h.jsonl"
    p.write_text('{"id": 1, "text": "x", "codes": ["e11.9"]}\n{"id": 2, "text_en": "y", "codes_d": []}\n')
    docs = read_coded(p)
    assert [d.codes for d in docs] == [["e11.9"], []]
    p.write_text('{"id": 1, "text": "x", "codes": ["e11.9"]}\nnot json\n')
    with pytest.raises(ValueError, match=r"h.jsonl:2"):
        read_coded(p)


def test_train_learns_practice_terms_and_round_trips(coder: Coder, tmp_path: Path) -> None:
    from chartclaim.coding.learn import Doc

    docs = [Doc(str(r["id"]), str(r["text"]), list(r["codes"])) for r in _history()]  # type: ignore[call-overload]
    model = train(coder, docs, folds=3)
    path = model.save(tmp_path / "m")
    loaded = CoderModel.load(path.parent)
    assert loaded.threshold == model.threshold and loaded.coef == model.coef
    trained = coder.with_model(loaded)
    text = "Vital signs were stable. Exam showed blue toe syndrome of the right foot. Reports mild tiredness."
    res = trained.code(text, profile="abstraction")
    codes = [c.code for c in res.codes]
    assert "I75.021" in codes
    # ranked by the re-ranker: the learned code beats codes the practice never gives for this note
    everything = trained.code(text, profile="abstraction", threshold=0.0)
    assert everything.codes[0].code == "I75.021"
    c = next(c for c in res.codes if c.code == "I75.021")
    assert c.evidence and all(0.0 <= x.score <= 1.0 for x in res.codes)
    neg = trained.code("No blue toe syndrome.", profile="abstraction")
    assert "I75.021" not in [c.code for c in neg.codes]
    # these coders never met a negated mention: the guideline rule stands in abstraction too
    assert loaded.meta["defer_context"] is False


def test_training_leaves_negated_mentions_to_the_reranker_only_when_the_practice_codes_them() -> None:
    from chartclaim.coding.learn import _context_choice

    # two notes with 3 gold codes each; the last two candidates of each note are negated mentions
    scores = [0.9, 0.8, 0.6, 0.5, 0.9, 0.7, 0.6, 0.4]
    groups = [0, 0, 0, 0, 1, 1, 1, 1]
    ctx = [False, False, True, True, False, False, True, True]
    coded = [1, 1, 1, 0, 1, 1, 1, 0]        # these abstractors code most negated findings
    defer, thr, f1, _map = _context_choice(scores, coded, groups, ctx, {0: 3, 1: 3})
    assert defer and f1 > 0.8 and thr <= 0.6
    ignored = [1, 1, 0, 0, 1, 1, 0, 0]      # these never do: the guideline rule stands
    defer, thr, f1, _map = _context_choice(scores, ignored, groups, ctx, {0: 2, 1: 2})
    assert not defer and f1 == 1.0


def test_abstraction_defers_negated_mentions_to_a_model_that_learned_them(coder: Coder) -> None:
    """A model whose training found that these coders code negated findings: abstraction keeps a negated
    mention the re-ranker scores above the threshold, shows the negation in the evidence and says why;
    the billing profiles and a model without that finding do not code it."""
    from chartclaim.coding.learn import Doc

    docs = [Doc(str(r["id"]), str(r["text"]), list(r["codes"])) for r in _history()]  # type: ignore[call-overload]
    model = train(coder, docs, folds=3)
    text = "No cyanosis, ulcers or blue toe syndrome of the right foot."
    trained = coder.with_model(model)
    ruled = trained.code(text, profile="abstraction", threshold=0.0)
    assert "I75.021" not in [c.code for c in ruled.codes]
    assert any(r.code == "I75.021" and r.reason.startswith("negated") for r in ruled.rejected)
    model.meta["defer_context"] = True
    res = trained.code(text, profile="abstraction", threshold=0.0)
    got = {c.code: c for c in res.codes}
    assert "I75.021" in got
    assert "negated mention" in got["I75.021"].rule
    assert any("negated" in t for e in got["I75.021"].evidence for t in e.context)
    assert "I75.021" not in [c.code for c in trained.code(text, profile="us-outpatient", threshold=0.0).codes]


def test_cli_batch_and_train(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, coder: Coder) -> None:
    import chartclaim.coding.pipeline as pipeline
    from chartclaim.cli import (
        apps,
        coding_cmds,  # noqa: F401  (registers the commands)
    )

    monkeypatch.setattr(pipeline.Coder, "__init__", _shared_init(coder))
    hist = tmp_path / "coded.jsonl"
    hist.write_text("\n".join(json.dumps(r) for r in _history(30)) + "\n")
    runner = CliRunner()
    r = runner.invoke(apps.app, ["coder", "train", "--input", str(hist), "--out", str(tmp_path / "model"),
                                 "--folds", "3"])
    assert r.exit_code == 0, r.output
    notes = tmp_path / "notes.jsonl"
    notes.write_text(json.dumps({"id": "a", "text": "Left knee pain. Flu shot given."}) + "\n"
                     + json.dumps({"id": "b", "text": "Denies chest pain."}) + "\n")
    out = tmp_path / "pred.jsonl"
    r = runner.invoke(apps.app, ["code", "--input", str(notes), "--output", str(out)])
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["id"] for x in lines] == ["a", "b"]
    a = {c["code"]: c for c in lines[0]["codes"]}
    assert "M25.562" in a and a["M25.562"]["system"] == "ICD-10-CM" and a["M25.562"]["evidence"]
    assert "90686" in a
    assert not any(c["code"].startswith("R07") for c in lines[1]["codes"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{nope\n")
    r = runner.invoke(apps.app, ["code", "--input", str(bad), "--output", str(tmp_path / "x.jsonl")])
    # Rich wraps the error panel to the terminal width (a long pytest tmp path breaks across lines): unwrap it
    flat = "".join(ch for ch in r.output if not ch.isspace() and ch != "│")
    assert r.exit_code != 0 and "bad.jsonl:1" in flat
    assert not (tmp_path / "x.jsonl").exists()


def _shared_init(shared: Coder):  # type: ignore[no-untyped-def]
    """Coder(...) in the CLI reuses the session's compiled terminology (keeps the test fast)."""
    def init(self: Coder, terminology=None, model=None, lexicon=None, context=None) -> None:  # type: ignore[no-untyped-def]
        other = shared.with_model(None if model is None else CoderModel.load(Path(str(model))))
        self.__dict__.update(other.__dict__) if hasattr(other, "__dict__") else None
        for k in ("term", "lexicon", "context", "assigner", "base", "combos", "history_z", "family_z",
                  "integral", "model", "learned"):
            setattr(self, k, getattr(other, k))
    return init


def test_learned_pairs_without_association_are_pruned(coder: Coder) -> None:
    """A word in every note passes the count and precision rules for a code given in half the notes, though
    it says nothing about it: the association test drops it. A phrase found only in the coded notes stays, and
    so does a phrase that shares a word with the code's own terms."""
    from chartclaim.coding.learn import Doc, _code_tokens, _fit_stats, _ngrams, _Prepared, nodot

    prep = []
    for i in range(40):
        text = "The patient was seen in clinic."
        codes = []
        if i % 2 == 0:
            text += " Cuff readings high. Known essential hypertension."
            codes.append("I10")
        d = Doc(f"n{i}", text, codes)
        gold = {nodot(c) for c in codes}
        canon = {k for c in gold if (k := coder.assigner.canonical(c))}
        prep.append(_Prepared(d, gold, canon, _ngrams(coder, text)))
    base = coder.with_model(None)
    base_an = [base.analyse(p.doc.text) for p in prep]
    toks = _code_tokens(coder)
    clinic = ("clin",)              # tokens are stems

    kept = _fit_stats(coder, prep, base_an, toks, alpha=None)
    assert kept.learned[clinic]["I10"] == (20, 40) and kept.pruned == 0
    pruned = _fit_stats(coder, prep, base_an, toks, alpha=0.01)
    assert "I10" not in pruned.learned.get(clinic, {})
    assert pruned.pruned > 0
    cuff = next(k for k in kept.learned if "cuff" in k and "I10" in kept.learned[k])
    assert pruned.learned[cuff]["I10"] == kept.learned[cuff]["I10"]
    assert "I10" in pruned.learned[("hypertens",)]
