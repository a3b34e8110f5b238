"""Text normalisation shared by the index compiler and the search, so both sides see the same tokens."""

from __future__ import annotations

import itertools
import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")
_PAREN = re.compile(r"\([^()]*\)")
_HYPHENATED = re.compile(r"\b([a-z]{2,})-([a-z]{3,})\b")
# Function words only. 'with'/'without' are handled by the search itself: ICD titles turn on them.
_STOP = "a an and are as at be by for from in into is its of on or the to than that this which was were due elsewhere classified not nos nec s"
STOPWORDS = frozenset(_STOP.split())
_KEEP_S = ("ss", "us", "is", "ous", "sis", "xis")
_IRREGULAR = {"feet": "foot", "teeth": "tooth", "children": "child", "women": "woman", "men": "man",
              "vertebrae": "vertebra", "phalanges": "phalanx", "pelves": "pelvis", "calculi": "calculus",
              "ovaries": "ovary", "bronchi": "bronchus", "fingers": "finger", "testes": "testis",
              "diabetic": "diabetes", "diabetes": "diabetes", "herpes": "herpes", "series": "series",
              "species": "species", "rabies": "rabies", "scabies": "scabies", "feces": "feces", "caries": "caries"}


def stem(word: str) -> str:
    """Light plural folding: enough for 'fractures'/'fracture', 'injuries'/'injury', 'ribs'/'rib'."""
    w = _IRREGULAR.get(word)
    if w is not None:
        return w
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("aches"):          # headaches, backaches
        return word[:-1]
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(_KEEP_S):
        return word[:-1]
    return word


def fold(text: str) -> str:
    """Lower case without accents: 'Sjögren', 'Ménière', 'Guillain-Barré' are typed without them."""
    t = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in t if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text).replace("'s ", " ").replace("’s ", " "))


def tokens(text: str) -> list[str]:
    """Content tokens of a text, stemmed, stopwords dropped, order kept (duplicates removed)."""
    seen: dict[str, None] = {}
    ws = words(text)
    for i, w in enumerate(ws):
        if w in STOPWORDS or w == "non":
            continue
        if i and ws[i - 1] == "non":
            # 'non-diabetic' is not 'diabetic'
            seen.setdefault("non" + stem(w), None)
            continue
        seen.setdefault(stem(w), None)
    # the Tabular's broad sites ('upper limb', 'lower extremity', 'digestive organs', 'trunk') also as one
    # token, so a query naming a part of them ('hand', 'colon') can be rolled up to the site (SITE_ROLLUP)
    for a, b in itertools.pairwise(ws):
        joined = _SITE_PAIRS.get((a, stem(b)))
        if joined:
            seen.setdefault(joined, None)
    # hyphenated words are also typed joined: 'pre-eclampsia' ~ 'preeclampsia', 'x-ray' ~ 'xray'
    for a, b in _HYPHENATED.findall(fold(text)):
        if a != "non":
            seen.setdefault(stem(a + b), None)
    return list(seen)


_SITE_PAIRS = {("upper", "limb"): "upperlimb", ("lower", "limb"): "lowerlimb",
               ("upper", "extremity"): "upperlimb", ("lower", "extremity"): "lowerlimb",
               ("digestive", "organ"): "digestiveorgan"}
# A part of the body -> the broad site the Tabular groups it under. One way only: 'upper limb' in a query
# must not match 'hand'.
SITE_ROLLUP = {
    **dict.fromkeys(("hand", "forearm", "wrist", "finger", "thumb", "elbow", "arm", "shoulder", "axilla"),
                    "upperlimb"),
    **dict.fromkeys(("leg", "foot", "thigh", "knee", "ankle", "toe", "calf", "shin", "heel"), "lowerlimb"),
    **dict.fromkeys(("back", "chest", "abdomen", "abdominal", "belly", "buttock", "groin", "flank", "torso",
                     "abdominal"), "trunk"),
    **dict.fromkeys(("colon", "stomach", "rectum", "rectal", "esophagus", "pancreas", "liver", "bowel",
                     "intestine", "colorectal", "gastric", "anus"), "digestiveorgan"),
}
_SITE_JOINED = frozenset(_SITE_PAIRS.values())


def required_tokens(text: str) -> list[str]:
    """Tokens outside parentheses: the Tabular prints nonessential modifiers in parentheses, so words such
    as '(primary)' in 'Essential (primary) hypertension' should not count against a shorter query."""
    prev = None
    while prev != text:
        prev, text = text, _PAREN.sub(" ", text)
    return [t for t in tokens(text) if t not in _SITE_JOINED]
