"""The demo's clinical note generator: family-medicine visit notes with the codes the author meant.

Written by the chartclaim team for the demo only. It is deliberately independent of `chartclaim.coding`
(nothing here is imported by the coder or its tests, and nothing here reads the coder), so the demo's accuracy
figure measures the coder on text it was not tuned to.

A visit is assembled from clinical content (problems, symptoms, findings, plans) and then rendered in one of
three documentation styles (full headings, terse SOAP, nurse-practitioner template). Every visit carries its
truth: the ICD-10-CM codes the assessment supports (with combination-code and 7th-character conventions
applied the way a certified coder would) and the billed services.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

from chartclaim.demo.model import DemoPatient, Truth, TruthProcedure

# ----------------------------------------------------------------------------------------------------------
# Chronic problems. A patient's problem key may carry a variant after ":" chosen once per patient, so every
# visit documents the same disease the same way (as a real chart does).
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chronic:
    key: str
    codes: tuple[str, ...]
    pmh: tuple[str, ...]  # how a history list writes it
    assessment: tuple[str, ...]  # how an assessment heading writes it
    meds: tuple[str, ...]
    plans: tuple[str, ...]
    labs: tuple[str, ...] = ()  # in-office tests this problem's follow-up may get
    drug_z: str | None = None  # long-term drug therapy Z code when on the medication


CHRONIC: dict[str, Chronic] = {}


def _c(c: Chronic) -> None:
    CHRONIC[c.key] = c


_c(Chronic("htn", ("I10",), ("HTN", "hypertension", "essential hypertension", "high blood pressure"),
           ("Essential hypertension", "HTN", "Hypertension", "Benign essential hypertension"),
           ("lisinopril 20 mg daily", "amlodipine 5 mg daily", "losartan 50 mg daily", "hydrochlorothiazide 25 mg daily"),
           ("BP at goal on current regimen, continue", "Home BP log reviewed, averaging 128/78",
            "Low sodium diet reinforced", "Above goal today; increase {med} dose, recheck 4 wks"),
           ("80048",)))
_c(Chronic("dm2:plain", ("E11.9",), ("DM2", "type 2 diabetes", "T2DM", "diabetes mellitus type 2", "NIDDM"),
           ("Type 2 diabetes mellitus without complications", "DM2, uncomplicated", "T2DM - controlled"),
           ("metformin 1000 mg BID", "glipizide 5 mg daily"),
           ("A1c at goal, continue metformin", "Annual eye exam reminder given", "Foot exam done today, normal",
            "Diet and exercise counselling provided"),
           ("83036",), "Z79.84"))
_c(Chronic("dm2:hyper", ("E11.65",), ("DM2", "type 2 diabetes", "T2DM"),
           ("Type 2 diabetes mellitus with hyperglycemia", "DM2, poorly controlled with hyperglycemia",
            "T2DM uncontrolled - hyperglycemia"),
           ("metformin 1000 mg BID", "empagliflozin 10 mg daily"),
           ("A1c above goal; add empagliflozin 10 mg daily", "Referred to diabetes education",
            "Glucometer readings reviewed, fasting 180s-210s"),
           ("83036",), "Z79.84"))
_c(Chronic("dm2:ckd3a", ("E11.22", "N18.31"), ("DM2 with CKD stage 3a", "diabetic nephropathy, CKD 3a"),
           ("Type 2 diabetes mellitus with diabetic chronic kidney disease, CKD stage 3a",
            "DM2 with diabetic CKD stage 3a (eGFR 52)", "T2DM w/ CKD 3a"),
           ("metformin 500 mg BID", "empagliflozin 10 mg daily"),
           ("eGFR stable at 52; metformin dose reduced, continue SGLT2 inhibitor", "Urine microalbumin ordered",
            "Avoid NSAIDs"),
           ("83036", "82043", "82570"), "Z79.84"))
_c(Chronic("dm2:ckd3b", ("E11.22", "N18.32"), ("DM2 with CKD stage 3b", "diabetic kidney disease 3b"),
           ("Type 2 diabetes mellitus with diabetic chronic kidney disease, stage 3b",
            "DM2 with diabetic CKD stage 3b, eGFR 38"),
           ("insulin glargine 20 units nightly", "linagliptin 5 mg daily"),
           ("eGFR 38, stable; renal dosing reviewed", "Nephrology referral placed", "Avoid NSAIDs"),
           ("83036", "80048"), None))
_c(Chronic("dm2:neuro", ("E11.42",), ("DM2 with peripheral neuropathy", "type 2 diabetes w/ polyneuropathy"),
           ("Type 2 diabetes mellitus with diabetic polyneuropathy", "DM2 with diabetic peripheral polyneuropathy"),
           ("metformin 1000 mg BID", "gabapentin 300 mg TID"),
           ("Monofilament sensation decreased bilaterally; podiatry referral", "Continue gabapentin for neuropathic pain"),
           ("83036",), "Z79.84"))
_c(Chronic("insulin", ("Z79.4",), ("on insulin",), ("Long-term current use of insulin",),
           ("insulin glargine 24 units at bedtime",), ("Insulin dose unchanged; hypoglycemia precautions reviewed",)))
_c(Chronic("hld:E78.5", ("E78.5",), ("HLD", "hyperlipidemia", "high cholesterol", "dyslipidemia"),
           ("Hyperlipidemia", "HLD", "Hyperlipidemia, unspecified"),
           ("atorvastatin 40 mg daily", "rosuvastatin 10 mg daily"),
           ("Continue statin; fasting lipids today", "LDL 88 on last panel, at goal"), ("80061",)))
_c(Chronic("hld:E78.2", ("E78.2",), ("mixed hyperlipidemia", "HLD"),
           ("Mixed hyperlipidemia", "Mixed dyslipidemia"),
           ("atorvastatin 20 mg daily", "fenofibrate 145 mg daily"),
           ("Triglycerides 310; fenofibrate continued, diet counselling", "Repeat lipid panel in 3 months"),
           ("80061",)))
_c(Chronic("hld:E78.00", ("E78.00",), ("hypercholesterolemia", "high cholesterol"),
           ("Pure hypercholesterolemia", "Hypercholesterolemia"),
           ("simvastatin 20 mg daily",), ("Continue simvastatin", "Lipid panel today"), ("80061",)))
_c(Chronic("copd", ("J44.9",), ("COPD", "chronic obstructive pulmonary disease", "emphysema/COPD"),
           ("COPD", "Chronic obstructive pulmonary disease, stable", "COPD - at baseline"),
           ("tiotropium 18 mcg inhaled daily", "albuterol HFA 2 puffs q4-6h PRN"),
           ("Stable on LAMA, using rescue inhaler twice weekly", "Spirometry today to trend FEV1",
            "Pneumococcal vaccine status reviewed"), ("94010",)))
_c(Chronic("asthma:J45.20", ("J45.20",), ("asthma", "mild intermittent asthma"),
           ("Mild intermittent asthma, uncomplicated", "Asthma, mild intermittent"),
           ("albuterol HFA PRN",), ("Rescue inhaler use < 2x/week; continue PRN albuterol",)))
_c(Chronic("asthma:J45.30", ("J45.30",), ("mild persistent asthma", "asthma"),
           ("Mild persistent asthma without complication", "Asthma, mild persistent"),
           ("fluticasone 110 mcg 2 puffs BID", "albuterol HFA PRN"), ("Continue ICS; asthma action plan updated",)))
_c(Chronic("asthma:J45.40", ("J45.40",), ("moderate persistent asthma",),
           ("Moderate persistent asthma, uncomplicated", "Asthma - moderate persistent, well controlled"),
           ("budesonide/formoterol 160/4.5 2 puffs BID",), ("Well controlled on ICS/LABA; continue",)))
_c(Chronic("hypothyroid", ("E03.9",), ("hypothyroidism", "hypothyroid"),
           ("Hypothyroidism", "Acquired hypothyroidism, on replacement"),
           ("levothyroxine 75 mcg daily", "levothyroxine 100 mcg daily"),
           ("TSH today; adjust levothyroxine to result", "Clinically euthyroid, continue current dose"),
           ("84443",)))
_c(Chronic("gerd", ("K21.9",), ("GERD", "acid reflux", "gastroesophageal reflux"),
           ("GERD", "Gastroesophageal reflux disease without esophagitis"),
           ("omeprazole 20 mg daily", "famotidine 20 mg BID"),
           ("Symptoms controlled; attempt step-down to PRN", "Avoid late meals, elevate head of bed")))
_c(Chronic("depression:F32.A", ("F32.A",), ("depression",), ("Depression", "Depression, unspecified"),
           ("sertraline 50 mg daily", "bupropion XL 150 mg daily"),
           ("PHQ-9 today 8, improved from 14; continue sertraline", "Counselling resources provided"), ("96127",)))
_c(Chronic("depression:F33.1", ("F33.1",), ("MDD, recurrent", "major depressive disorder"),
           ("Major depressive disorder, recurrent, moderate", "MDD recurrent episode, moderate severity"),
           ("escitalopram 10 mg daily", "sertraline 100 mg daily"),
           ("PHQ-9 = 13; increase escitalopram to 20 mg", "Denies SI/HI; safety plan reviewed",
            "Referred to behavioral health"), ("96127",)))
_c(Chronic("anxiety", ("F41.1",), ("GAD", "generalized anxiety disorder", "anxiety"),
           ("Generalized anxiety disorder", "GAD"),
           ("buspirone 10 mg BID", "escitalopram 10 mg daily"),
           ("GAD-7 = 9, improving; continue", "CBT referral offered"), ("96127",)))
_c(Chronic("afib:I48.91", ("I48.91",), ("atrial fibrillation", "afib", "AF"),
           ("Atrial fibrillation", "Afib, rate controlled"),
           ("apixaban 5 mg BID", "metoprolol succinate 50 mg daily"),
           ("Rate controlled; continue apixaban, CHA2DS2-VASc 3", "ECG today shows AF with controlled rate"),
           ("93000",), "Z79.01"))
_c(Chronic("afib:I48.0", ("I48.0",), ("paroxysmal afib", "paroxysmal atrial fibrillation"),
           ("Paroxysmal atrial fibrillation", "PAF"),
           ("apixaban 5 mg BID", "diltiazem ER 120 mg daily"),
           ("No recurrent palpitations; continue anticoagulation",), ("93000",), "Z79.01"))
_c(Chronic("oa_knee:M17.11", ("M17.11",), ("OA right knee", "right knee osteoarthritis"),
           ("Primary osteoarthritis of right knee", "Right knee OA"),
           ("meloxicam 15 mg daily", "acetaminophen 1000 mg TID PRN"),
           ("Home exercise program; weight loss encouraged",)))
_c(Chronic("oa_knee:M17.12", ("M17.12",), ("OA left knee", "left knee osteoarthritis"),
           ("Primary osteoarthritis, left knee", "Left knee OA"),
           ("diclofenac gel 1% QID", "acetaminophen 500 mg PRN"), ("PT referral for quad strengthening",)))
_c(Chronic("oa_knee:M17.0", ("M17.0",), ("bilateral knee OA", "osteoarthritis of both knees"),
           ("Bilateral primary osteoarthritis of knees", "Primary OA, bilateral knees"),
           ("meloxicam 7.5 mg daily",), ("Discussed injections vs PT; continue NSAID with food",)))
_c(Chronic("bph:N40.0", ("N40.0",), ("BPH", "enlarged prostate"), ("Benign prostatic hyperplasia without LUTS", "BPH, asymptomatic"),
           ("finasteride 5 mg daily",), ("No urinary symptoms; continue finasteride",)))
_c(Chronic("bph:N40.1", ("N40.1",), ("BPH with LUTS", "BPH"),
           ("Benign prostatic hyperplasia with lower urinary tract symptoms", "BPH with LUTS (nocturia x3)"),
           ("tamsulosin 0.4 mg nightly",), ("Nocturia improved on tamsulosin; continue", "PSA discussed")))
_c(Chronic("osteoporosis", ("M81.0",), ("osteoporosis",), ("Age-related osteoporosis", "Osteoporosis without fracture"),
           ("alendronate 70 mg weekly", "calcium + vitamin D3 daily"),
           ("Continue alendronate; DEXA due next year", "Fall precautions reviewed"), ("82306",), "Z79.83"))
_c(Chronic("migraine", ("G43.909",), ("migraines", "migraine headaches"), ("Migraine", "Migraine, not intractable"),
           ("sumatriptan 50 mg PRN",), ("Headache diary; continue triptan PRN, limit to 2 days/week",)))
_c(Chronic("obesity", ("E66.9",), ("obesity",), ("Obesity", "Obesity due to excess calories"),
           ("",), ("Dietary counselling; goal 5% weight loss", "Discussed GLP-1 options, pt will consider")))
_c(Chronic("ckd3a", ("N18.31",), ("CKD 3a", "chronic kidney disease stage 3a"),
           ("Chronic kidney disease stage 3a", "CKD stage 3a"), ("",),
           ("eGFR 54, stable; renally dose meds", "BMP today"), ("80048",)))

# Problems whose presence changes another problem's code: hypertension with CKD is hypertensive CKD
# (guideline I.C.9.a.2 presumes the link), so I10 becomes I12.9 and the CKD stage is coded too.
_CKD_KEYS = ("dm2:ckd3a", "dm2:ckd3b", "ckd3a")

# Which problems a patient may have, with rough prevalence by age band. (problem, min age, chance)
_PREVALENCE: tuple[tuple[str, int, float], ...] = (
    ("htn", 35, 0.38), ("dm2", 35, 0.18), ("hld", 35, 0.33), ("copd", 50, 0.08), ("asthma", 5, 0.08),
    ("hypothyroid", 25, 0.09), ("gerd", 20, 0.14), ("depression", 16, 0.12), ("anxiety", 16, 0.10),
    ("afib", 60, 0.08), ("oa_knee", 50, 0.16), ("osteoporosis", 65, 0.12), ("migraine", 16, 0.06),
    ("obesity", 18, 0.28), ("ckd3a", 55, 0.05),
)
_VARIANTS: dict[str, tuple[str, ...]] = {
    "dm2": ("dm2:plain", "dm2:plain", "dm2:hyper", "dm2:ckd3a", "dm2:ckd3b", "dm2:neuro"),
    "hld": ("hld:E78.5", "hld:E78.5", "hld:E78.2", "hld:E78.00"),
    "asthma": ("asthma:J45.20", "asthma:J45.30", "asthma:J45.40"),
    "depression": ("depression:F32.A", "depression:F33.1"),
    "afib": ("afib:I48.91", "afib:I48.0"),
    "oa_knee": ("oa_knee:M17.11", "oa_knee:M17.12", "oa_knee:M17.0"),
}


def choose_problems(rng: random.Random, age: int, sex: str) -> tuple[str, ...]:
    out: list[str] = []
    for key, min_age, chance in _PREVALENCE:
        if age < min_age:
            continue
        scale = 1.0 + max(0, age - 50) / 60  # older patients carry more chronic disease
        if rng.random() < chance * scale:
            out.append(rng.choice(_VARIANTS[key]) if key in _VARIANTS else key)
    if sex == "M" and age >= 55 and rng.random() < 0.3:
        out.append(rng.choice(("bph:N40.0", "bph:N40.1")))
    if "ckd3a" in out and any(k.startswith("dm2:ckd") for k in out):
        out.remove("ckd3a")
    if any(k in ("dm2:ckd3b",) for k in out) or (any(k.startswith("dm2") for k in out) and rng.random() < 0.2):
        out.append("insulin")
    if "osteoporosis" in out and sex == "M":
        out.remove("osteoporosis")
    return tuple(out)


_FAMILY = (
    ("mother", "breast cancer", "Z80.3"), ("father", "colon cancer", "Z80.0"), ("mother", "type 2 diabetes", "Z83.3"),
    ("father", "MI at 58", "Z82.49"), ("brother", "DM2", "Z83.3"), ("maternal grandmother", "breast ca", "Z80.3"),
    ("father", "hypertension", "Z82.49"), ("sister", "asthma", "Z82.5"), ("mother", "stroke", "Z82.3"),
    ("paternal uncle", "colon cancer", "Z80.0"), ("father", "prostate cancer", "Z80.42"),
    ("mother", "hypothyroidism", "Z83.49"),
)
_SURGERIES = (
    "appendectomy (2004)", "cholecystectomy", "C-section x2", "tonsillectomy as child", "right knee arthroscopy",
    "hernia repair", "hysterectomy (2015)", "carpal tunnel release, left", "ORIF right ankle (2011)",
    "lap chole 2019", "vasectomy", "LASIK",
)
_PAST = (
    ("h/o kidney stones", "Z87.442"), ("remote h/o DVT (2014), completed anticoagulation", "Z86.718"),
    ("h/o TIA 2019, no residual deficits", "Z86.73"), ("h/o colon polyps, last colonoscopy 2023", "Z86.0100"),
    ("hx of pneumonia x2", "Z87.01"),
)
_ALLERGIES = ("penicillin (rash)", "sulfa (hives)", "codeine (nausea)", "latex", "amoxicillin (rash)", "shellfish")


def choose_past(rng: random.Random, age: int, sex: str) -> tuple[tuple[str, str], ...]:
    if age < 30 or rng.random() > 0.25:
        return ()
    pool = list(_PAST) + ([("breast cancer s/p lumpectomy 2012, in remission", "Z85.3")] if sex == "F" else [])
    return (rng.choice(pool),)


def choose_history(rng: random.Random, age: int, sex: str) -> tuple[
        tuple[tuple[str, str, str], ...], tuple[str, ...], tuple[str, ...], bool, bool]:
    family = tuple(rng.sample(_FAMILY, rng.choice((0, 1, 1, 2, 2, 3))))
    surg_pool = [s for s in _SURGERIES if not (sex == "M" and ("C-section" in s or "hysterectomy" in s))
                 and not (sex == "F" and "vasectomy" in s)]
    surgeries = tuple(rng.sample(surg_pool, rng.choice((0, 0, 1, 1, 2)))) if age >= 18 else ()
    allergies = tuple(rng.sample(_ALLERGIES, 1)) if rng.random() < 0.25 else ()
    smoker = age >= 18 and rng.random() < 0.14
    former = (not smoker) and age >= 30 and rng.random() < 0.2
    return family, surgeries, allergies, smoker, former


# ----------------------------------------------------------------------------------------------------------
# The visit being written.
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Visit:
    kind: str
    cc: str
    hpi: list[str] = field(default_factory=list)
    ros_pos: dict[str, list[str]] = field(default_factory=dict)
    ros_neg: dict[str, list[str]] = field(default_factory=dict)
    exam: list[tuple[str, str]] = field(default_factory=list)
    assessment: list[tuple[str, list[str]]] = field(default_factory=list)
    procedure_notes: list[str] = field(default_factory=list)
    dx: list[str] = field(default_factory=list)
    procs: list[TruthProcedure] = field(default_factory=list)
    extra: set[str] = field(default_factory=set)
    em: str | None = None
    em_needs_25: bool = False
    minutes: int | None = None
    needs_auth: bool = False
    telehealth: bool = False

    def add_dx(self, *codes: str) -> None:
        for c in codes:
            if c not in self.dx:
                self.dx.append(c)

    def add_proc(self, code: str, *dx: str, units: int = 1, modifiers: tuple[str, ...] = ()) -> None:
        self.procs.append(TruthProcedure(code, modifiers, units, tuple(dx)))


_ROS_NEG = {
    "Constitutional": ["fever", "chills", "night sweats", "unintentional weight loss", "fatigue"],
    "Eyes": ["vision changes", "eye pain"],
    "ENT": ["sore throat", "ear pain", "nasal congestion"],
    "Cardiovascular": ["chest pain", "palpitations", "leg swelling"],
    "Respiratory": ["cough", "shortness of breath", "wheezing"],
    "GI": ["nausea", "vomiting", "abdominal pain", "diarrhea", "blood in stool"],
    "GU": ["dysuria", "hematuria", "frequency"],
    "MSK": ["joint pain", "back pain", "myalgias"],
    "Skin": ["rash", "wounds"],
    "Neuro": ["headache", "dizziness", "numbness", "weakness"],
    "Psych": ["depressed mood", "anxiety", "suicidal ideation"],
}

_EXAM_NORMAL = {
    "General": ("Alert, well-appearing, in no acute distress", "NAD, pleasant", "Well developed, well nourished, NAD"),
    "HEENT": ("Normocephalic, atraumatic. TMs clear bilaterally. Oropharynx without erythema",
              "NCAT, PERRL, TMs pearly gray, pharynx clear", "Head atraumatic; ears, nose, throat unremarkable"),
    "Neck": ("Supple, no lymphadenopathy, no thyromegaly", "No LAD, no JVD"),
    "Cardiovascular": ("Regular rate and rhythm, no murmurs, rubs or gallops", "RRR, S1/S2 normal, no m/r/g",
                       "Heart regular, no murmur"),
    "Lungs": ("Clear to auscultation bilaterally, no wheezes or crackles", "CTAB, normal effort",
              "Lungs clear, good air movement"),
    "Abdomen": ("Soft, non-tender, non-distended, normal bowel sounds", "Soft, NT/ND, +BS"),
    "Extremities": ("No edema, pulses 2+ bilaterally", "No clubbing, cyanosis or edema"),
    "Skin": ("Warm and dry, no rashes", "No lesions noted"),
    "Neuro": ("Alert and oriented x3, CN II-XII grossly intact, gait normal", "A&Ox3, non-focal"),
    "Psych": ("Normal mood and affect, good insight", "Appropriate mood and affect"),
}


def _pick(rng: random.Random, xs: tuple[str, ...] | list[str]) -> str:
    return xs[rng.randrange(len(xs))]


def stable(p: DemoPatient, key: str, options: tuple[str, ...]) -> str:
    """A per-patient fact that must not change between visits (medication, occupation)."""
    return options[zlib.crc32(f"{p.id}:{key}".encode()) % len(options)]


def med_of(p: DemoPatient, key: str) -> str:
    return stable(p, key, CHRONIC[key].meds)


def _a(age: int) -> str:
    return "an" if str(age).startswith(("8", "11", "18")) and age not in (1,) else "a"


def _side(rng: random.Random) -> tuple[str, str]:
    """('right', 'R') or ('left', 'L')."""
    return ("right", "R") if rng.random() < 0.5 else ("left", "L")


# ----------------------------------------------------------------------------------------------------------
# Scenarios. Each fills a Visit for one patient on one day.
# ----------------------------------------------------------------------------------------------------------


def _chronic_codes(p: DemoPatient, keys: list[str]) -> tuple[list[str], list[str]]:
    """Codes for the addressed problems, applying the hypertension/CKD combination; returns (codes, drug Zs)."""
    codes: list[str] = []
    drug_z: list[str] = []
    has_ckd = any(k in _CKD_KEYS for k in p.problems)
    for k in keys:
        c = CHRONIC[k]
        if k == "htn" and has_ckd:
            codes.append("I12.9")
            stage = "N18.32" if "dm2:ckd3b" in p.problems else "N18.31"
            if stage not in codes:
                codes.append(stage)
            continue
        for code in c.codes:
            if code not in codes:
                codes.append(code)
        if c.drug_z:
            drug_z.append(c.drug_z)
    if "E11.22" in codes and "htn" in p.problems and "I12.9" not in codes:
        # the diabetic CKD is also hypertensive CKD when the patient has hypertension
        i = codes.index("E11.22")
        codes.insert(i + 1, "I12.9")
    if "I12.9" in codes:
        # hypertensive CKD is sequenced before the CKD stage it causes ("code first" at N18)
        stages = [i for i, c in enumerate(codes) if c.startswith("N18")]
        if stages and stages[0] < codes.index("I12.9"):
            codes.remove("I12.9")
            codes.insert(stages[0], "I12.9")
    if "E66.9" in codes and p.bmi is not None:
        codes.append(bmi_code(p.bmi))
    return codes, drug_z


def bmi_code(bmi: Decimal) -> str:
    b = int(bmi)
    if b >= 40:
        return "Z68.41" if b < 45 else "Z68.42"
    if b >= 30:
        return f"Z68.3{b - 30}"
    if b >= 25:
        return f"Z68.2{b - 20}"
    return "Z68.1"


def _em_established(level: int) -> str:
    return f"9921{level}"


def _em_new(level: int) -> str:
    return f"9920{level}"


def scenario_chronic(rng: random.Random, p: DemoPatient, dos: dt.date) -> Visit:
    problems = [k for k in p.problems if k != "insulin"]
    n = min(len(problems), rng.choice((1, 2, 2, 3, 3, 4)))
    keys = rng.sample(problems, n)
    # Diabetic CKD and hypertension are managed together.
    if "htn" in p.problems and any(k in _CKD_KEYS for k in keys) and "htn" not in keys:
        keys.append("htn")
    if "insulin" in p.problems and any(k.startswith("dm2") for k in keys):
        keys.append("insulin")
    main = CHRONIC[keys[0]]
    v = Visit("chronic", _pick(rng, (f"Follow-up {_pick(rng, main.pmh)}", f"{n}-month f/u chronic conditions".replace(
        f"{n}-", f"{rng.choice((3, 3, 6))}-"), "Med refill and follow up", f"Recheck {_pick(rng, main.pmh)}",
        "Routine follow-up")))
    age = p.age_on(dos)
    sex_word = "female" if p.sex == "F" else "male"
    names = [_pick(rng, CHRONIC[k].pmh) for k in keys if k != "insulin"]
    v.hpi.append(_pick(rng, (
        f"{age} yo {sex_word} presents for follow-up of {', '.join(names)}.",
        f"Pt is {_a(age)} {age}-year-old {sex_word} here for routine f/u of {' and '.join(names)}.",
        f"{age}yo {'F' if p.sex == 'F' else 'M'} returns for management of {', '.join(names)}.",
    )))
    worsening = False
    for k in keys:
        if k.startswith("dm2"):
            a1c = {"dm2:hyper": "9.4", "dm2:ckd3b": "7.9"}.get(k, _pick(rng, ("6.8", "7.1", "6.5", "7.3")))
            v.hpi.append(_pick(rng, (
                f"Last A1c {a1c}%. Checks sugars {_pick(rng, ('daily', 'twice daily', 'a few times a week'))}. "
                f"Denies polyuria, polydipsia or hypoglycemic episodes.",
                f"Reports good adherence to metformin. Home fasting glucose 110-140. No low sugars. A1c was {a1c}.",
            )))
            if k == "dm2:hyper":
                worsening = True
            if k == "dm2:neuro":
                v.hpi.append("Endorses burning and tingling in both feet, worse at night.")
        elif k == "htn":
            v.hpi.append(_pick(rng, (
                "BP has been well controlled at home. No headaches, chest pain or vision changes.",
                "Home BPs 130s/80s. Taking meds as prescribed, no side effects.",
                "Has been checking BP at pharmacy, readings 140s/90s. Admits to more salt over the holidays.",
            )))
        elif k == "copd":
            v.hpi.append("Breathing at baseline. Uses albuterol about twice a week. No recent ED visits or steroid bursts.")
        elif k.startswith("depression") or k == "anxiety":
            v.hpi.append(_pick(rng, ("Mood is better since starting medication. Sleeping 7 hours. Denies SI.",
                                     "Still having some low days but functioning at work. No suicidal ideation.")))
        elif k.startswith("oa_knee"):
            v.hpi.append("Knee pain worse with stairs and after prolonged standing, stiffness < 30 min in the morning.")
        elif k == "hypothyroid":
            v.hpi.append("Denies palpitations, heat or cold intolerance. Energy is stable.")
        elif k.startswith("afib"):
            v.hpi.append("No palpitations, lightheadedness or bleeding on anticoagulation.")
    v.ros_neg = {s: _ROS_NEG[s] for s in ("Constitutional", "Cardiovascular", "Respiratory", "GI", "Neuro")}
    if any(k.startswith("dm2:neuro") for k in keys):
        v.ros_pos["Neuro"] = ["numbness and tingling of feet"]
    v.exam = _normal_exam(rng, ("General", "Neck", "Cardiovascular", "Lungs", "Abdomen", "Extremities"))
    if any(k.startswith("dm2") for k in keys):
        foot = ("Diabetic foot exam: decreased monofilament sensation bilaterally, pulses intact"
                if "dm2:neuro" in keys else "Diabetic foot exam: skin intact, monofilament intact, DP pulses 2+")
        v.exam.append(("Feet", foot))
    if any(k.startswith("oa_knee") for k in keys):
        v.exam.append(("MSK", "Knee with crepitus, mild effusion, ROM 5-110 degrees, no erythema"))
    codes, drug_z = _chronic_codes(p, keys)
    for k in keys:
        c = CHRONIC[k]
        if k == "insulin":
            continue
        med = med_of(p, k)
        plan = [_pick(rng, c.plans).replace("{med}", med.split(" ")[0] if med else "medication")]
        if med:
            plan.append(f"Continue {med}" if rng.random() < 0.7 else f"Refilled {med}")
        heading = _pick(rng, c.assessment)
        if k == "htn" and any(x in _CKD_KEYS for x in p.problems):
            heading = "Hypertension with CKD"
        if k == "obesity" and p.bmi is not None:
            heading = f"{heading}, BMI {p.bmi:.1f}"
        v.assessment.append((heading, plan))
        if c.labs and rng.random() < 0.6:
            for lab in c.labs:
                if any(pr.code == lab for pr in v.procs):
                    continue
                key_codes = [x for x in _chronic_codes(p, [k])[0] if not x.startswith("Z68")][:4]
                v.add_proc(lab, *key_codes, modifiers=("QW",) if lab == "83036" else ())
                if lab in _VENOUS_LABS and not any(pr.code == "36415" for pr in v.procs):
                    v.add_proc("36415", *key_codes)
    if "insulin" in keys:
        v.assessment.append((_pick(rng, ("Long-term insulin use", "On basal insulin")), ["Continue insulin glargine; hypoglycemia precautions"]))
    v.add_dx(*codes)
    v.extra.update(drug_z)
    _unaddressed_history(v, p, keys)
    if p.smoker and rng.random() < 0.6:
        v.assessment.append(("Tobacco use disorder, cigarettes", ["Counselled on cessation for 5 minutes; offered nicotine patch"]))
        v.add_dx("F17.210")
        v.add_proc("99406", "F17.210")
    complexity = len(keys) + (1 if worsening else 0)
    level = 3 if complexity <= 1 else (4 if complexity <= 3 else 5)
    if level == 5 and rng.random() < 0.6:
        level = 4
    v.em = _em_established(level)
    if v.procs and any(pr.code in ("99406", "96127") for pr in v.procs):
        v.em_needs_25 = True
    if rng.random() < 0.25:
        v.minutes = {3: rng.randint(20, 29), 4: rng.randint(30, 39), 5: rng.randint(40, 54)}[level]
    return v


def _unaddressed_history(v: Visit, p: DemoPatient, keys: list[str]) -> None:
    """Chronic conditions documented but not addressed today: coding them is defensible, so acceptable."""
    for k in p.problems:
        if k not in keys:
            v.extra.update(CHRONIC[k].codes)
            if k == "htn" and any(x in _CKD_KEYS for x in p.problems):
                v.extra.add("I12.9")
    for _rel, _cond, z in p.family_history:
        v.extra.add(z)
    for _text, z in p.past_history:
        v.extra.add(z)
    if p.former_smoker:
        v.extra.add("Z87.891")
    if p.smoker:
        v.extra.add("F17.210")
    if p.bmi is not None:
        v.extra.add(bmi_code(p.bmi))
    for k in p.problems:
        dz = CHRONIC[k].drug_z
        if dz:
            v.extra.add(dz)
    if "insulin" in p.problems:
        v.extra.add("Z79.4")


def _normal_exam(rng: random.Random, systems: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(s, _pick(rng, _EXAM_NORMAL[s])) for s in systems]


def scenario_telehealth(rng: random.Random, p: DemoPatient, dos: dt.date) -> Visit:
    """A video follow-up from the patient's home (POS 10): mental health or blood pressure check-ins."""
    keys = [k for k in p.problems if k.startswith(("depression", "anxiety", "htn", "hypothyroid", "gerd"))]
    v = scenario_chronic(rng, p, dos) if not keys else None
    if v is not None:
        v.kind = "telehealth"
        v.procs = []  # nothing is drawn or tested over video
        v.em_needs_25 = False
        v.procedure_notes = []
    else:
        k = rng.choice(keys)
        c = CHRONIC[k]
        age = p.age_on(dos)
        v = Visit("telehealth", f"Video visit - {_pick(rng, c.pmh)} follow-up")
        v.hpi.append(f"{age} yo {'F' if p.sex == 'F' else 'M'} seen by synchronous audio-video telehealth; patient at home in "
                     "Illinois, provider in the office. Verbal consent for telehealth obtained.")
        if k.startswith(("depression", "anxiety")):
            v.hpi.append(_pick(rng, ("Reports mood is steadier on current dose; sleeping better. Denies SI/HI.",
                                     "Some increased worry with work stress; no panic attacks. Denies SI.")))
            v.exam = [("Psych", "Well groomed on video, normal speech, euthymic affect, linear thought process"),
                      ("General", "Appears well on video, no distress")]
        else:
            v.hpi.append("Home readings reviewed with the patient during the visit; no new symptoms.")
            v.exam = [("General", "Appears well on video, speaking full sentences, no distress")]
        med = med_of(p, k)
        v.assessment.append((_pick(rng, c.assessment), [_pick(rng, c.plans).replace("{med}", med.split(" ")[0] if med else "medication"),
                                                        "Follow-up video visit in 3 months"]))
        codes, drug_z = _chronic_codes(p, [k])
        v.add_dx(*codes)
        v.extra.update(drug_z)
        _unaddressed_history(v, p, [k])
        v.em = "99213" if rng.random() < 0.6 else "99214"
        v.minutes = {"99213": rng.randint(20, 29), "99214": rng.randint(30, 39)}[v.em]
    v.telehealth = True
    return v


def scenario_acute(rng: random.Random, p: DemoPatient, dos: dt.date) -> Visit:
    age = p.age_on(dos)
    options = ["uri", "strep", "sinusitis", "bronchitis", "flu", "conjunctivitis", "cellulitis", "back",
               "headache", "gastro", "allergic", "chest_pain", "pneumonia_ro"]
    if p.sex == "F" and age >= 14:
        options += ["uti", "uti"]
    if age < 12:
        options += ["otitis", "otitis", "otitis"]
    if any(k == "copd" for k in p.problems):
        options += ["copd_exac", "copd_exac"]
    if any(k.startswith("asthma") for k in p.problems):
        options += ["asthma_exac"]
    kind = _pick(rng, options)
    v = Visit("acute", "")
    days = rng.choice((2, 3, 4, 5, 7, 10))
    who = f"{age} yo {'F' if p.sex == 'F' else 'M'}" if rng.random() < 0.5 else f"Pt is {_a(age)} {age}-year-old {'woman' if p.sex == 'F' else 'man'}" if age >= 18 else f"{age} yo {'girl' if p.sex == 'F' else 'boy'}"
    if kind == "uri":
        v.cc = _pick(rng, ("Cold symptoms", "Congestion and runny nose", "\"head cold\""))
        v.hpi.append(f"{who} with {days} days of nasal congestion, rhinorrhea, mild sore throat and dry cough. "
                     "Denies fever, shortness of breath or ear pain. Sick contacts at home.")
        v.ros_pos["ENT"] = ["congestion", "rhinorrhea"]
        v.exam = [*_normal_exam(rng, ("General", "Neck", "Lungs")), ("HEENT", "Nasal mucosa edematous with clear discharge, TMs normal, mild pharyngeal erythema without exudate")]
        v.assessment.append((_pick(rng, ("Viral URI", "Acute upper respiratory infection", "URI")), ["Supportive care, fluids, saline rinses", "Return if fever > 101 or symptoms beyond 10 days"]))
        v.add_dx("J06.9")
        v.em = "99212" if rng.random() < 0.4 else "99213"
    elif kind == "strep":
        pos = rng.random() < 0.55
        v.cc = "Sore throat"
        v.hpi.append(f"{who} c/o sore throat x {days} days with fever to 101.6 and painful swallowing. No cough. "
                     "No rash.")
        v.ros_pos["Constitutional"] = ["fever"]
        v.exam = [*_normal_exam(rng, ("General", "Lungs")), ("HEENT", "Tonsils 2+ with exudate, tender anterior cervical nodes" if pos else "Pharynx erythematous, no exudate")]
        v.procedure_notes.append(f"Rapid strep antigen (POC): {'POSITIVE' if pos else 'negative'}.")
        if pos:
            v.assessment.append((_pick(rng, ("Strep pharyngitis", "Streptococcal pharyngitis, rapid strep positive")), ["Amoxicillin 500 mg BID x 10 days", "Contagious until 12h on antibiotics"]))
            v.add_dx("J02.0")
            v.em = "99213" if rng.random() < 0.7 else "99214"
        else:
            v.assessment.append((_pick(rng, ("Acute pharyngitis", "Pharyngitis, likely viral; rapid strep negative")), ["Throat culture sent", "Salt water gargles, ibuprofen PRN"]))
            v.add_dx("J02.9")
            v.em = "99213"
        v.add_proc("87880", v.dx[0], modifiers=("QW",))
    elif kind == "sinusitis":
        v.cc = "Sinus pressure"
        v.hpi.append(f"{who} with facial pain and pressure over the cheeks for {rng.choice((10, 12, 14))} days, thick green nasal discharge, "
                     "initially improved then worsened. Denies vision changes or neck stiffness.")
        v.exam = [*_normal_exam(rng, ("General", "Lungs")), ("HEENT", "Maxillary sinus tenderness bilaterally, purulent nasal drainage")]
        maxillary = rng.random() < 0.4
        v.assessment.append(("Acute maxillary sinusitis" if maxillary else _pick(rng, ("Acute sinusitis", "Acute bacterial sinusitis")), ["Amoxicillin-clavulanate 875 mg BID x 7 days", "Nasal saline, fluticasone nasal spray"]))
        v.add_dx("J01.00" if maxillary else "J01.90")
        v.em = "99213"
    elif kind == "bronchitis":
        v.cc = "Cough"
        v.hpi.append(f"{who} reports productive cough for {rng.choice((7, 10, 14))} days after a cold. Mild chest tightness with coughing. "
                     "No fever, no hemoptysis. Non-smoker." if not p.smoker else
                     f"{who}, current smoker, with 10 days of productive cough and chest soreness. No fever or hemoptysis.")
        v.exam = [*_normal_exam(rng, ("General", "HEENT")), ("Lungs", "Scattered rhonchi that clear with cough, no crackles, no wheeze")]
        v.assessment.append((_pick(rng, ("Acute bronchitis", "Bronchitis, acute, likely viral")), ["No antibiotics indicated; benzonatate 100 mg TID PRN", "Honey, fluids; RTC if SOB or fever"]))
        v.add_dx("J20.9")
        v.em = "99213"
    elif kind == "flu":
        pos = rng.random() < 0.6
        v.cc = "Fever and body aches"
        v.hpi.append(f"{who} with abrupt onset of fever 102, myalgias, headache and dry cough since {rng.choice(('yesterday', '2 days ago'))}. "
                     "Influenza is going around at work.")
        v.ros_pos["Constitutional"] = ["fever", "myalgias"]
        v.exam = [*_normal_exam(rng, ("Lungs",)), ("General", "Appears fatigued, febrile 101.8"), ("HEENT", "Mild pharyngeal erythema")]
        v.procedure_notes.append(f"Rapid influenza A/B antigen: {'positive for influenza A' if pos else 'negative'}.")
        v.add_proc("87804", "J10.1" if pos else "J11.1", modifiers=("QW",))
        if pos:
            v.assessment.append((_pick(rng, ("Influenza A", "Influenza A, confirmed by rapid test, with URI symptoms")), ["Oseltamivir 75 mg BID x 5 days", "Off work until afebrile 24h"]))
            v.add_dx("J10.1")
        else:
            v.assessment.append(("Influenza-like illness, clinically influenza (rapid test negative)", ["Treat empirically with oseltamivir given high prevalence"]))
            v.add_dx("J11.1")
        v.em = "99213" if rng.random() < 0.6 else "99214"
    elif kind == "otitis":
        side = rng.choice(("right", "left", "bilateral"))
        code = {"right": "H66.91", "left": "H66.92", "bilateral": "H66.93"}[side]
        v.cc = f"Ear pain{' both ears' if side == 'bilateral' else ''}"
        v.hpi.append(f"{who} brought by parent for {side if side != 'bilateral' else 'bilateral'} ear pain and tugging at ear for {days} days, "
                     "low-grade fever. Recent cold. No drainage.")
        tm = {"right": "R TM bulging and erythematous; L TM normal", "left": "L TM bulging, erythematous, decreased mobility; R TM clear",
              "bilateral": "Both TMs erythematous and bulging"}[side]
        v.exam = [*_normal_exam(rng, ("General", "Lungs")), ("HEENT", tm)]
        v.assessment.append((f"Acute otitis media, {side}" if side != "bilateral" else "Bilateral otitis media", ["Amoxicillin 90 mg/kg/day divided BID x 10 days", "Ibuprofen for pain"]))
        v.add_dx(code)
        v.em = "99213"
    elif kind == "uti":
        cystitis = rng.random() < 0.5
        v.cc = "Burning with urination"
        v.hpi.append(f"{who} with {days} days of dysuria, urinary frequency and urgency. Denies fever, flank pain, vaginal discharge. "
                     "No gross hematuria.")
        v.ros_pos["GU"] = ["dysuria", "frequency"]
        v.ros_neg["GU"] = ["hematuria", "flank pain"]
        v.exam = [*_normal_exam(rng, ("General", "Abdomen")), ("Back", "No CVA tenderness")]
        v.procedure_notes.append("UA dipstick: leukocyte esterase 2+, nitrite positive, blood negative.")
        ua = "81002" if rng.random() < 0.6 else "81003"
        if cystitis:
            v.assessment.append(("Acute cystitis without hematuria", ["Nitrofurantoin 100 mg BID x 5 days", "Urine culture sent"]))
            v.add_dx("N30.00")
        else:
            v.assessment.append((_pick(rng, ("UTI", "Urinary tract infection")), ["Nitrofurantoin 100 mg BID x 5 days", "Push fluids"]))
            v.add_dx("N39.0")
        v.add_proc(ua, v.dx[0])
        v.em = "99213"
    elif kind == "conjunctivitis":
        side = rng.choice(("right", "left", "bilateral"))
        code = {"right": "H10.31", "left": "H10.32", "bilateral": "H10.33"}[side]
        v.cc = "Red eye" if side != "bilateral" else "Both eyes red and crusty"
        v.hpi.append(f"{who} noticed redness and crusting of the {side + ' eye' if side != 'bilateral' else 'eyes'} on waking. "
                     "Mild itching. No vision change, no eye pain, no contact lens use.")
        v.exam = [*_normal_exam(rng, ("General",)), ("Eyes", f"{'Bilateral' if side == 'bilateral' else side.title()} conjunctival injection with mucopurulent discharge; " "cornea clear; visual acuity 20/20")]
        v.assessment.append((f"Acute conjunctivitis, {side if side != 'bilateral' else 'both eyes'}", ["Erythromycin ophthalmic ointment QID x 5 days", "Hand hygiene"]))
        v.add_dx(code)
        v.em = "99212"
    elif kind == "cellulitis":
        side, s = _side(rng)
        leg = rng.random() < 0.7
        code = ("L03.115" if s == "R" else "L03.116") if leg else ("L03.113" if s == "R" else "L03.114")
        part = f"{side} lower leg" if leg else f"{side} forearm"
        v.cc = f"Red swollen {part}"
        v.hpi.append(f"{who} with {days} days of spreading redness, warmth and tenderness of the {part} after a scratch. "
                     "Low-grade temp at home. No streaking, no pus.")
        v.exam = [*_normal_exam(rng, ("General", "Cardiovascular", "Lungs")), ("Skin", f"8 x 6 cm area of erythema, warmth and induration on the {part}, " "margins marked, no fluctuance")]
        plan = ["Cephalexin 500 mg QID x 7 days", "Elevate; recheck in 48 hours"]
        v.assessment.append((f"Cellulitis of {part}", plan))
        v.add_dx(code)
        v.em = "99214"
        if rng.random() < 0.35:
            v.procedure_notes.append("Ceftriaxone 1 g IM given in right gluteus, tolerated well.")
            v.add_proc("J0696", code, units=4)
            v.add_proc("96372", code)
            v.em_needs_25 = True
    elif kind == "back":
        sciatica = rng.random() < 0.5
        side, s = _side(rng)
        v.cc = "Low back pain"
        v.hpi.append(f"{who} with low back pain for {days} days after lifting boxes" + (f", radiating down the {side} leg to the knee" if sciatica else ", non-radiating")
                     + ". No bowel or bladder changes, no saddle anesthesia, no fever.")
        v.ros_pos["MSK"] = ["back pain"]
        v.ros_neg["GU"] = ["urinary retention", "incontinence"]
        v.exam = [*_normal_exam(rng, ("General", "Neuro")), ("Back", "Paraspinal tenderness L4-S1, " + (f"positive straight leg raise on the {side}" if sciatica else "negative SLR bilaterally"))]
        code = ("M54.41" if s == "R" else "M54.42") if sciatica else "M54.50"
        v.assessment.append((f"Low back pain with sciatica, {side} side" if sciatica else _pick(rng, ("Acute low back pain", "Low back pain, mechanical", "LBP without sciatica")),
                             ["NSAIDs, heat, activity as tolerated", "PT referral if not improved in 4 weeks", "Red flags reviewed"]))
        v.add_dx(code)
        v.em = "99213"
        if rng.random() < 0.3:
            v.procedure_notes.append("Ketorolac 30 mg IM administered, left deltoid.")
            v.add_proc("J1885", code, units=2)
            v.add_proc("96372", code)
            v.em_needs_25 = True
    elif kind == "headache":
        tension = rng.random() < 0.6
        v.cc = "Headaches"
        v.hpi.append(f"{who} with {'bilateral band-like' if tension else 'unilateral throbbing'} headaches for {rng.choice((2, 3, 6))} weeks"
                     + (", worse with stress, no nausea." if tension else " with nausea and photophobia.")
                     + " Denies worst headache of life, fever, neck stiffness or focal weakness.")
        v.ros_neg["Neuro"] = ["weakness", "vision loss", "numbness"]
        v.exam = _normal_exam(rng, ("General", "HEENT", "Neck", "Neuro"))
        if tension:
            v.assessment.append(("Tension-type headache", ["Ibuprofen PRN, limit analgesics to < 10 days/month", "Stress management, sleep hygiene"]))
            v.add_dx("G44.209")
        else:
            v.assessment.append(("Migraine without aura", ["Sumatriptan 50 mg PRN", "Headache diary"]))
            v.add_dx("G43.009")
        v.em = "99213" if tension else "99214"
    elif kind == "gastro":
        v.cc = "Vomiting and diarrhea"
        v.hpi.append(f"{who} with {rng.choice((1, 2, 3))} days of nausea, vomiting and watery diarrhea. Several family members ill. "
                     "No blood in stool. Tolerating small sips.")
        v.exam = [*_normal_exam(rng, ("General", "Cardiovascular")), ("Abdomen", "Soft, mild diffuse tenderness, hyperactive bowel sounds, no rebound")]
        v.assessment.append((_pick(rng, ("Viral gastroenteritis", "Acute viral gastroenteritis")), ["Oral rehydration, BRAT diet", "Ondansetron 4 mg ODT PRN"]))
        v.add_dx("A08.4")
        v.em = "99213"
    elif kind == "allergic":
        v.cc = "Sneezing, itchy eyes"
        v.hpi.append(f"{who} with sneezing, clear rhinorrhea and itchy watery eyes, worse outdoors. Similar symptoms last spring.")
        v.exam = [*_normal_exam(rng, ("General", "Lungs")), ("HEENT", "Pale boggy turbinates, allergic shiners")]
        v.assessment.append(("Seasonal allergic rhinitis", ["Cetirizine 10 mg daily", "Fluticasone nasal 2 sprays daily"]))
        v.add_dx("J30.2")
        v.em = "99212"
    elif kind == "chest_pain":
        costo = rng.random() < 0.5
        v.cc = "Chest pain"
        v.hpi.append(f"{who} with intermittent left-sided chest pain for {days} days, sharp, worse with movement and deep breaths, "
                     "not exertional. No diaphoresis, no shortness of breath, no radiation to arm or jaw.")
        v.ros_neg["Cardiovascular"] = ["exertional chest pain", "palpitations", "syncope"]
        v.exam = [*_normal_exam(rng, ("General", "Cardiovascular", "Lungs")), ("Chest wall", "Reproducible tenderness at left 3rd-4th costochondral junctions" if costo else "No chest wall tenderness")]
        v.procedure_notes.append("12-lead ECG: normal sinus rhythm, rate 72, no acute ST-T changes.")
        if costo:
            v.assessment.append(("Costochondritis", ["NSAIDs x 10 days", "ECG normal; no evidence of ACS", "ED precautions reviewed"]))
            v.add_dx("M94.0")
        else:
            v.assessment.append(("Atypical chest pain, r/o angina", ["ECG without ischemic changes", "Stress test ordered", "ED if pain at rest"]))
            v.add_dx("R07.89")
        v.add_proc("93000", v.dx[0])
        v.em = "99214"
    elif kind == "pneumonia_ro":
        v.cc = "Cough and fever"
        v.hpi.append(f"{who} with cough for {days} days and subjective fevers. Mild dyspnea on exertion. Concern for pneumonia.")
        v.exam = [*_normal_exam(rng, ("General", "HEENT")), ("Lungs", "Faint crackles at right base" if rng.random() < 0.5 else "Clear, no focal findings")]
        pneumonia = rng.random() < 0.45
        v.procedure_notes.append("CXR 2 views: " + ("right lower lobe infiltrate." if pneumonia else "no infiltrate, no effusion. No evidence of pneumonia."))
        v.add_proc("71046", "J18.9" if pneumonia else "R05.9")
        if pneumonia:
            v.assessment.append(("Community-acquired pneumonia, RLL", ["Amoxicillin 1 g TID + azithromycin", "Recheck 48-72 h"]))
            v.add_dx("J18.9")
            v.em = "99214"
        else:
            v.assessment.append(("Cough - pneumonia ruled out; likely post-viral", ["Supportive care", "Benzonatate PRN"]))
            v.add_dx("R05.9")
            v.procs[-1] = TruthProcedure("71046", (), 1, ("R05.9",))
            v.em = "99213"
    elif kind == "copd_exac":
        v.cc = "Worsening shortness of breath"
        v.hpi.append(f"{who} with known COPD, {days} days of increased dyspnea, cough with yellow sputum and wheezing. Using albuterol q4h.")
        v.ros_pos["Respiratory"] = ["shortness of breath", "wheezing", "cough"]
        v.exam = [*_normal_exam(rng, ("General", "Cardiovascular")), ("Lungs", "Diffuse expiratory wheezes, prolonged expiration, SpO2 92% RA")]
        v.procedure_notes.append("Albuterol/ipratropium nebulizer treatment given in office; improved air movement, SpO2 95% after.")
        v.assessment.append(("COPD with acute exacerbation", ["Prednisone 40 mg x 5 days", "Doxycycline 100 mg BID x 5 days", "Continue tiotropium"]))
        v.add_dx("J44.1")
        v.add_proc("94640", "J44.1")
        v.em = "99214"
        v.em_needs_25 = True
    elif kind == "asthma_exac":
        code = "J45.41" if any(k == "asthma:J45.40" for k in p.problems) else ("J45.31" if any(k == "asthma:J45.30" for k in p.problems) else "J45.21")
        v.cc = "Asthma flare"
        v.hpi.append(f"{who} with asthma, wheezing and chest tightness for {days} days after a cold. Night awakenings. Rescue inhaler 4x daily.")
        v.exam = [*_normal_exam(rng, ("General", "Cardiovascular")), ("Lungs", "Bilateral expiratory wheezes, no retractions")]
        v.procedure_notes.append("Albuterol nebulizer x1 with good response, peak flow 280 -> 360.")
        label = {"J45.41": "Moderate persistent asthma with acute exacerbation", "J45.31": "Mild persistent asthma with exacerbation",
                 "J45.21": "Mild intermittent asthma with acute exacerbation"}[code]
        v.assessment.append((label, ["Prednisolone burst x 5 days", "Step up controller therapy", "Asthma action plan reviewed"]))
        v.add_dx(code)
        v.add_proc("94640", code)
        v.em = "99214"
        v.em_needs_25 = True
    _unaddressed_history(v, p, [])
    if v.minutes is None and rng.random() < 0.15:
        v.minutes = {"99212": 15, "99213": 24, "99214": 34}.get(v.em or "", 24)
    return v


def scenario_injury(rng: random.Random, p: DemoPatient, dos: dt.date, follow_up_of: str | None = None) -> Visit:
    age = p.age_on(dos)
    who = f"{age} yo {'F' if p.sex == 'F' else 'M'}"
    side, s = _side(rng)
    kind = follow_up_of or _pick(rng, ("ankle", "ankle", "laceration", "laceration", "wrist", "knee_contusion", "back_strain"))
    v = Visit("injury", "")
    mech = _pick(rng, ("slipped on ice in the driveway", "tripped on a curb", "fell while playing basketball",
                       "missed a step at home", "slipped on a wet floor at the grocery store"))
    v.extra.update({"W", "X", "Y", "V"})  # external-cause codes (any) are a defensible addition
    if kind == "ankle_fu":
        code = "S93.401D" if s == "R" else "S93.402D"
        v.cc = f"Follow-up {side} ankle sprain"
        v.hpi.append(f"{who} returns 2 weeks after {side} ankle sprain. Swelling much improved, walking without crutches. "
                     "Mild pain with running.")
        v.exam = [*_normal_exam(rng, ("General",)), ("MSK", f"{side.title()} ankle: trace swelling over ATFL, full ROM, stable anterior drawer")]
        v.assessment.append((f"Sprain of {side} ankle, subsequent encounter", ["Progress to ankle strengthening", "Return to sport in 2 weeks as tolerated"]))
        v.add_dx(code)
        v.em = "99212"
        return v
    if kind == "ankle":
        code = "S93.401A" if s == "R" else "S93.402A"
        v.cc = f"{side.title()} ankle injury"
        v.hpi.append(f"{who} {mech} yesterday and inverted the {side} ankle. Able to bear weight with pain. Swelling over the outside of the ankle.")
        v.exam = [*_normal_exam(rng, ("General",)), ("MSK", f"{side.title()} ankle: swelling and ecchymosis over lateral malleolus, tender over ATFL, " "no bony tenderness at posterior malleolus or base of 5th MT")]
        if rng.random() < 0.5:
            v.procedure_notes.append(f"X-ray {side} ankle 3 views: no fracture.")
            v.add_proc("73610", code, modifiers=(f"{s}T",))
        v.assessment.append((f"Sprain of {side} ankle, initial encounter", ["RICE, ankle brace, weight bearing as tolerated", "Ibuprofen 600 mg TID with food", "Recheck in 2 weeks"]))
        v.add_dx(code)
        v.em = "99213"
    elif kind == "laceration":
        where = _pick(rng, ("hand", "hand", "forearm", "index finger"))
        if where == "hand":
            code = "S61.411A" if s == "R" else "S61.412A"
        elif where == "forearm":
            code = "S51.811A" if s == "R" else "S51.812A"
        else:
            code, side, s = "S61.210A", "right", "R"
        length = rng.choice((1.5, 2.0, 2.5, 3.0, 4.0, 5.5))
        v.cc = f"Cut on {side} {where}"
        v.hpi.append(f"{who} cut the {side} {where} on a kitchen knife about 2 hours ago. Bleeding controlled with pressure. "
                     "No numbness or weakness of the fingers. No foreign body sensation.")
        v.exam = [("Skin", f"{length} cm linear laceration of the {side} {where}, clean edges, no foreign body, no tendon exposure"),
                  ("Neuro", "Sensation intact distally, full flexion and extension")]
        repair = "12001" if length <= 2.5 else "12002"
        v.procedure_notes.append(f"PROCEDURE: Simple repair of {length} cm laceration, {side} {where}. Consent obtained. Lidocaine 1% local. "
                                 f"Irrigated with 250 mL saline. Closed with {rng.choice((4, 5, 6))} interrupted 5-0 nylon sutures. Tolerated well.")
        v.add_proc(repair, code)
        v.assessment.append((f"Laceration of {side} {where} without foreign body, initial encounter", ["Suture removal in 10 days", "Wound care reviewed, signs of infection"]))
        v.add_dx(code)
        if rng.random() < 0.4:
            v.procedure_notes.append("Last tetanus > 10 years ago; Tdap 0.5 mL IM given.")
            v.assessment.append(("Need for tetanus immunization", ["Tdap given today"]))
            v.add_dx("Z23")
            v.add_proc("90715", "Z23")
            v.add_proc("90471", "Z23")
        v.em = None  # the repair's global includes the decision to repair; no separate E/M
    elif kind == "wrist":
        code = "S52.501A" if s == "R" else "S52.502A"
        v.cc = f"{side.title()} wrist pain after fall"
        v.hpi.append(f"{who} {mech} and landed on an outstretched {side} hand this morning. Pain and swelling of the wrist.")
        v.exam = [*_normal_exam(rng, ("General",)), ("MSK", f"{side.title()} distal radius tender and swollen, mild dorsal angulation, neurovascularly intact")]
        v.procedure_notes.append(f"X-ray {side} wrist 3 views: nondisplaced distal radius fracture.")
        v.procedure_notes.append("Sugar-tong splint applied, neurovascularly intact after.")
        v.add_proc("73110", code, modifiers=(f"{s}T",))
        v.add_proc("29125", code, modifiers=(f"{s}T",))
        v.assessment.append((f"Closed fracture of distal {side} radius, initial encounter", ["Splinted; orthopedics referral within 1 week", "Elevation, ice, acetaminophen"]))
        v.add_dx(code)
        v.em = "99214"
        v.em_needs_25 = True
    elif kind == "knee_contusion":
        code = "S80.01XA" if s == "R" else "S80.02XA"
        v.cc = f"{side.title()} knee pain"
        v.hpi.append(f"{who} {mech} and struck the {side} knee on the ground. Bruising, able to walk. No locking or giving way.")
        v.exam = [("MSK", f"{side.title()} knee: ecchymosis over patella, no effusion, ligaments stable, full ROM")]
        v.assessment.append((f"Contusion of {side} knee, initial encounter", ["Ice, NSAIDs, activity as tolerated"]))
        v.add_dx(code)
        v.em = "99212"
    else:  # back strain
        code = "S39.012A"
        v.cc = "Back pain after lifting"
        v.hpi.append(f"{who} strained the lower back lifting a couch 3 days ago. Pain is localized, no radiation, no numbness.")
        v.exam = [("Back", "Paraspinal muscle spasm and tenderness, SLR negative bilaterally"), ("Neuro", "Strength 5/5, reflexes symmetric")]
        v.assessment.append(("Strain of muscle of lower back, initial encounter", ["Cyclobenzaprine 5 mg qHS PRN", "Heat, gentle stretching"]))
        v.add_dx(code)
        v.em = "99213"
    _unaddressed_history(v, p, [])
    return v


def scenario_preventive(rng: random.Random, p: DemoPatient, dos: dt.date, medicare: bool) -> Visit:
    age = p.age_on(dos)
    v = Visit("preventive", "")
    abnormal = rng.random() < 0.2 and age >= 18
    if age < 18:
        v.cc = _pick(rng, ("Well child check", "Annual physical", "Sports physical and WCC"))
        v.hpi.append(f"{age} yo here with {'mother' if rng.random() < 0.6 else 'father'} for well-child visit. Eating well, active, doing well in school. "
                     "No concerns today.")
        v.exam = _normal_exam(rng, ("General", "HEENT", "Neck", "Cardiovascular", "Lungs", "Abdomen", "Skin", "Neuro"))
        v.assessment.append(("Well child visit", ["Anticipatory guidance given: nutrition, screen time, safety, dental", "Vision and hearing screen normal"]))
        v.add_dx("Z00.129")
        v.em = "99392" if age < 5 else ("99393" if age < 12 else "99394")
        if 4 <= age <= 6:
            v.procedure_notes.append("Vaccines given: DTaP-IPV and MMRV, VIS provided, counselled parent on each component.")
            v.assessment.append(("Encounter for immunization", ["DTaP-IPV #5, MMRV #2 administered"]))
            v.add_dx("Z23")
            v.add_proc("90696", "Z23")
            v.add_proc("90710", "Z23")
            v.add_proc("90460", "Z23", units=2)
            v.add_proc("90461", "Z23", units=6)
        elif 11 <= age <= 13:
            v.procedure_notes.append("Vaccines: Tdap, MenACWY and HPV 9-valent #1 given after counselling; VIS given.")
            v.assessment.append(("Encounter for immunization", ["Tdap, MenACWY, HPV #1 given", "HPV #2 in 6-12 months"]))
            v.add_dx("Z23")
            v.add_proc("90715", "Z23")
            v.add_proc("90734", "Z23")
            v.add_proc("90651", "Z23")
            v.add_proc("90460", "Z23", units=3)
            v.add_proc("90461", "Z23", units=2)
        _unaddressed_history(v, p, [])
        return v
    awv = medicare and rng.random() < 0.85
    if awv:
        initial = rng.random() < 0.2
        v.cc = "Annual wellness visit"
        v.hpi.append(f"{age} yo {'F' if p.sex == 'F' else 'M'} here for Medicare {'initial' if initial else 'subsequent'} annual wellness visit. "
                     "Health risk assessment reviewed. Independent in ADLs. Lives with spouse. No falls in past year.")
        v.procedure_notes.append("Cognitive screen (Mini-Cog) 5/5. Depression screen PHQ-2 = 0. Advance care planning discussed; "
                                 "personalized prevention plan provided. Screening schedule updated.")
        v.assessment.append(("Medicare annual wellness visit", ["Personalized prevention plan given", "Colonoscopy up to date", "Pneumococcal vaccine status reviewed"]))
        v.add_dx("Z00.00")
        v.em = "G0438" if initial else "G0439"
        v.extra.update({"Z13.31", "Z71.89", "Z00.01"})
        if not initial and rng.random() < 0.5:
            v.assessment.append(("Screening for depression", ["PHQ-9 administered, 15 minutes, negative"]))
            v.add_dx("Z13.31")
            v.add_proc("G0444", "Z13.31")
        _unaddressed_history(v, p, [])
        return v
    v.cc = _pick(rng, ("Annual physical", "Yearly checkup", "CPE", "Physical exam"))
    v.hpi.append(_pick(rng, (
        f"{age} yo {'F' if p.sex == 'F' else 'M'} here for annual preventive exam. Feels well. Exercises {rng.choice(('3x/week', 'rarely', 'daily walks'))}.",
        f"Pt is {_a(age)} {age}-year-old presenting for routine physical. No acute complaints.",
    )))
    v.ros_neg = dict(_ROS_NEG)
    v.exam = _normal_exam(rng, ("General", "HEENT", "Neck", "Cardiovascular", "Lungs", "Abdomen", "Extremities", "Skin", "Neuro", "Psych"))
    if abnormal:
        v.exam.insert(0, ("Vitals", "BP 148/94 on two readings"))
        v.assessment.append(("Encounter for general adult medical examination with abnormal findings", ["Age-appropriate screening reviewed", "Labs ordered"]))
        v.assessment.append(("Elevated blood pressure reading without diagnosis of hypertension", ["Home BP monitoring, recheck 4 weeks"]))
        v.add_dx("Z00.01", "R03.0")
    else:
        v.assessment.append((_pick(rng, ("Routine general medical exam, no abnormal findings", "Annual physical - normal exam", "Well adult exam")),
                             ["Age-appropriate screening reviewed", "Diet and exercise counselling"]))
        v.add_dx("Z00.00")
    if medicare:
        v.em = "99397"  # the patient asked for a full physical; Medicare excludes it (ABN signed)
        v.procedure_notes.append("Patient requests comprehensive physical; informed Medicare does not cover routine physicals. ABN signed.")
    else:
        v.em = "99395" if age < 40 else ("99396" if age < 65 else "99397")
    if rng.random() < 0.7:
        v.assessment.append(("Screening for lipid disorders", ["Fasting lipid panel drawn"]))
        v.add_dx("Z13.220")
        v.add_proc("80061", "Z13.220")
        v.add_proc("80053", v.dx[0])
        v.add_proc("36415", "Z13.220")
    if rng.random() < 0.15:
        # vitamin D as a screening test: many payers deny it as not medically necessary for screening
        v.assessment.append(("Screening, vitamin D", ["25-OH vitamin D ordered per patient request"]))
        v.add_proc("82306", v.dx[0])
    if p.smoker:
        v.assessment.append(("Nicotine dependence, cigarettes, uncomplicated", ["Cessation counselling 3-10 min; patient pre-contemplative"]))
        v.add_dx("F17.210")
        v.add_proc("99406", "F17.210")
    # A chronic problem managed at the same visit is a separate problem-oriented E/M with modifier 25.
    chronic = [k for k in p.problems if k != "insulin"]
    if chronic and rng.random() < 0.3:
        k = rng.choice(chronic)
        c = CHRONIC[k]
        v.assessment.append((_pick(rng, c.assessment), [_pick(rng, c.plans).replace("{med}", "medication"), "Separately identifiable problem-oriented service documented"]))
        codes, _ = _chronic_codes(p, [k])
        v.add_dx(*codes)
        v.add_proc("99213", *codes, modifiers=("25",))
        _unaddressed_history(v, p, [k])
    else:
        _unaddressed_history(v, p, [])
    v.extra.update({"Z13.220", "Z13.1", "Z13.31", "Z71.3", "Z71.82"})
    return v


def scenario_flu_shot(rng: random.Random, p: DemoPatient, dos: dt.date, medicare: bool) -> Visit:
    age = p.age_on(dos)
    v = Visit("vaccine", "Flu shot")
    v.hpi.append(f"Nurse visit. {age} yo here for seasonal influenza vaccine. No fever today. No prior reaction to vaccines. "
                 "No egg allergy. VIS given.")
    high = age >= 65
    v.procedure_notes.append(f"{'High-dose influenza' if high else 'Influenza'} vaccine 0.5 mL IM {_pick(rng, ('left', 'right'))} deltoid, "
                             f"lot {rng.randint(100000, 999999)}, exp 06/2026. Tolerated without immediate reaction.")
    v.assessment.append(("Encounter for immunization", ["Influenza vaccine administered", "Observe 15 minutes"]))
    v.add_dx("Z23")
    v.add_proc("90662" if high else "90656", "Z23")
    v.add_proc("G0008" if medicare else ("90460" if age < 19 else "90471"), "Z23")
    v.em = None
    return v


def scenario_procedure(rng: random.Random, p: DemoPatient, dos: dt.date) -> Visit:
    age = p.age_on(dos)
    who = f"{age} yo {'F' if p.sex == 'F' else 'M'}"
    options = ["cerumen", "wart", "skin_tag", "abscess", "b12"]
    if any(k.startswith("oa_knee") for k in p.problems):
        options += ["knee_injection", "knee_injection", "knee_injection"]
    kind = _pick(rng, options)
    v = Visit("procedure", "")
    if kind == "knee_injection":
        key = next(k for k in p.problems if k.startswith("oa_knee"))
        code = CHRONIC[key].codes[0]
        side = {"M17.11": "right", "M17.12": "left", "M17.0": "right"}[code]
        v.cc = f"{side.title()} knee pain - injection"
        v.hpi.append(f"{who} with known {side} knee osteoarthritis, pain 7/10 despite NSAIDs and PT. Requests steroid injection. "
                     "Last injection > 4 months ago.")
        v.exam = [("MSK", f"{side.title()} knee: crepitus, medial joint line tenderness, small effusion, ROM 5-105")]
        v.procedure_notes.append(f"PROCEDURE: {side.title()} knee intra-articular injection. Risks, benefits discussed, consent signed. "
                                 "Prepped with chlorhexidine. Via lateral approach, 40 mg triamcinolone with 4 mL 1% lidocaine injected. "
                                 "No complications. Band-aid applied.")
        v.assessment.append((f"Primary osteoarthritis, {side} knee" if code != "M17.0" else "Bilateral primary osteoarthritis of knee, right knee injected",
                             ["Corticosteroid injection given", "Ice 20 min, avoid strenuous activity 48 h"]))
        v.add_dx(code)
        v.add_proc("20610", code, modifiers=("RT" if side == "right" else "LT",))
        v.add_proc("J3301", code, units=4)
        v.needs_auth = True
        if rng.random() < 0.35:
            # a separately identifiable problem addressed the same day: E/M with modifier 25
            other = [k for k in p.problems if k not in (key, "insulin")]
            if other:
                k = rng.choice(other)
                codes, _ = _chronic_codes(p, [k])
                v.assessment.append((_pick(rng, CHRONIC[k].assessment), [_pick(rng, CHRONIC[k].plans).replace("{med}", "medication")]))
                v.add_dx(*codes)
                v.em = "99213"
                v.em_needs_25 = True
        _unaddressed_history(v, p, [key])
        return v
    if kind == "cerumen":
        side = rng.choice(("right", "left", "bilateral"))
        code = {"right": "H61.21", "left": "H61.22", "bilateral": "H61.23"}[side]
        v.cc = "Ears plugged"
        v.hpi.append(f"{who} with decreased hearing and fullness in the {side + ' ear' if side != 'bilateral' else 'ears'} for 2 weeks. "
                     "Tried OTC drops without relief. No ear pain or drainage.")
        v.exam = [("HEENT", f"{'Both canals' if side == 'bilateral' else side.title() + ' canal'} occluded with impacted cerumen, TM not visualized")]
        v.procedure_notes.append(f"PROCEDURE: Cerumen removal, {side}, using curette and alligator forceps under direct visualization. "
                                 "TM intact afterwards. Hearing improved.")
        v.assessment.append((f"Impacted cerumen, {side + ' ear' if side != 'bilateral' else 'bilateral'}", ["Removed with instrumentation", "Debrox weekly for prevention"]))
        v.add_dx(code)
        v.add_proc("69210", code, modifiers=("50",) if side == "bilateral" else ("RT" if side == "right" else "LT",))
    elif kind == "wart":
        plantar = rng.random() < 0.5
        n = rng.randint(1, 6)
        v.cc = "Warts"
        v.hpi.append(f"{who} with {n} {'painful plantar' if plantar else 'common'} wart{'s' if n > 1 else ''} on the "
                     f"{'sole of the foot' if plantar else 'fingers'} for months, failed OTC salicylic acid.")
        v.exam = [("Skin", f"{n} verrucous papule{'s' if n > 1 else ''} with thrombosed capillaries on the {'plantar foot' if plantar else 'dorsal fingers'}")]
        v.procedure_notes.append(f"PROCEDURE: Cryotherapy with liquid nitrogen to {n} lesion{'s' if n > 1 else ''}, 2 freeze-thaw cycles. Tolerated well.")
        code = "B07.0" if plantar else "B07.8"
        v.assessment.append(("Plantar wart" if plantar else "Verruca vulgaris (common warts)", ["Destroyed with cryotherapy", "Repeat in 3 weeks PRN"]))
        v.add_dx(code)
        v.add_proc("17110", code)
    elif kind == "skin_tag":
        v.cc = "Skin tags"
        v.hpi.append(f"{who} with several skin tags on the neck that catch on clothing and get irritated.")
        v.exam = [("Skin", "Six pedunculated acrochordons on the lateral neck, 2-4 mm")]
        v.procedure_notes.append("PROCEDURE: Removal of 6 skin tags with sterile scissors after alcohol prep; hemostasis with aluminum chloride.")
        v.assessment.append(("Acrochordons (skin tags), irritated", ["Removed x6"]))
        v.add_dx("L91.8")
        v.add_proc("11200", "L91.8")
    elif kind == "abscess":
        side, s = _side(rng)
        axilla = rng.random() < 0.6
        code = ("L02.411" if s == "R" else "L02.412") if axilla else "L02.31"
        place = f"{side} axilla" if axilla else "buttock"
        v.cc = f"Painful bump {place}"
        v.hpi.append(f"{who} with a painful swollen lump in the {place} for 4 days, now with a head. No fever.")
        v.exam = [("Skin", f"2.5 cm fluctuant, tender abscess of the {place} with surrounding erythema")]
        v.procedure_notes.append(f"PROCEDURE: Incision and drainage of {place} abscess. Lidocaine local; #11 blade incision, "
                                 "purulent material expressed, loculations broken, packed with iodoform. Culture sent.")
        v.assessment.append((f"Cutaneous abscess of {place}", ["I&D performed", "Warm compresses, packing removal in 48 h", "TMP-SMX DS BID x 7 days"]))
        v.add_dx(code)
        v.add_proc("10060", code)
    else:  # b12
        v.cc = "B12 shot"
        v.hpi.append(f"{who} with pernicious anemia on monthly B12 injections. Feels well; no numbness or fatigue.")
        v.procedure_notes.append("Cyanocobalamin 1000 mcg IM left deltoid given by RN. No reaction.")
        v.assessment.append(("Vitamin B12 deficiency anemia due to pernicious anemia", ["Monthly cyanocobalamin injection"]))
        v.add_dx("D51.0")
        v.add_proc("J3420", "D51.0")
        v.add_proc("96372", "D51.0")
        v.em = None
        _unaddressed_history(v, p, [])
        return v
    # minor procedures carry the evaluation that led to them; an E/M is billed only for a separate problem
    v.em = None
    _unaddressed_history(v, p, [])
    return v


# ----------------------------------------------------------------------------------------------------------
# Rendering: three documentation styles.
# ----------------------------------------------------------------------------------------------------------

STYLES = ("full", "soap", "np")


def _vitals(rng: random.Random, p: DemoPatient, dos: dt.date, v: Visit) -> str:
    age = p.age_on(dos)
    if age < 12:
        return f"T {rng.choice(('98.6', '99.1', '100.4', '98.9'))} F, HR {rng.randint(80, 120)}, RR {rng.randint(18, 26)}, SpO2 {rng.randint(97, 100)}%, Wt {rng.randint(30, 80)} lb"
    hypert = "htn" in p.problems
    sbp = rng.randint(132, 152) if hypert else rng.randint(108, 134)
    dbp = rng.randint(78, 94) if hypert else rng.randint(64, 84)
    temp = "101.8" if "febrile" in " ".join(t for _, t in v.exam) else rng.choice(("98.2", "98.6", "97.9", "98.4"))
    bmi = f", BMI {p.bmi:.1f}" if p.bmi is not None else f", BMI {stable(p, 'bmi', tuple(f'{b / 10:.1f}' for b in range(195, 295, 3)))}"
    return f"BP {sbp}/{dbp}, HR {rng.randint(60, 96)}, T {temp} F, RR {rng.randint(12, 18)}, SpO2 {rng.randint(94, 99)}% RA{bmi}"


def render(rng: random.Random, v: Visit, p: DemoPatient, dos: dt.date, style: str, provider_name: str) -> str:
    pmh = [_pick(rng, CHRONIC[k].pmh) for k in p.problems] + [text for text, _z in p.past_history]
    meds = [m for m in (med_of(p, k) for k in p.problems) if m]
    fh = [f"{rel.capitalize()} - {cond}" if style != "soap" else f"{rel} w/ {cond}" for rel, cond, _ in p.family_history]
    fh_text = "; ".join(fh) if fh else _pick(rng, ("Noncontributory", "No family history of heart disease or cancer", "Non-contributory"))
    if p.smoker:
        tob = _pick(rng, ("Current smoker, 1 ppd x 20 yrs", "Smokes 1/2 ppd cigarettes", "Current every-day smoker"))
    elif p.former_smoker:
        tob = _pick(rng, ("Former smoker, quit 2015", "Ex-smoker (quit 10 yrs ago, 15 pack-years)", "Quit smoking in 2012"))
    else:
        tob = _pick(rng, ("Never smoker", "Denies tobacco", "No tobacco use"))
    alc = _pick(rng, ("drinks socially", "occasional wine", "no alcohol", "2-3 beers on weekends"))
    age = p.age_on(dos)
    life = (stable(p, "life", ("Married, retired teacher.", "Widowed, lives alone.", "Lives with spouse, retired.",
                                "Retired farmer, lives with daughter."))
            if age >= 65 else stable(p, "life", ("Married, works as a teacher.", "Works in construction.",
                                                 "Single, works in IT.", "Married, two children, nurse.",
                                                 "College student.", "Truck driver, married.", "Works retail.")))
    sh = f"{tob}; {alc}. {life}"
    if p.age_on(dos) < 18:
        sh = "Lives with parents. In school. No tobacco exposure."
    allergies = ", ".join(p.allergies) if p.allergies else _pick(rng, ("NKDA", "No known drug allergies", "NKA"))
    vit = "Patient-reported home BP 128/80, weight stable (video visit; no in-office vitals)" if v.telehealth else _vitals(rng, p, dos, v)
    ros_lines: list[str] = []
    ros_neg = dict(v.ros_neg or {s: _ROS_NEG[s] for s in rng.sample(sorted(_ROS_NEG), 4)})
    for system in v.ros_pos:
        ros_neg.setdefault(system, [n for n in _ROS_NEG.get(system, []) if n not in v.ros_pos[system]][:3])
    for system, negs in ros_neg.items():
        pos = v.ros_pos.get(system, [])
        if pos:
            rest = [n for n in negs if n not in pos]
            ros_lines.append(f"{system}: Positive for {', '.join(pos)}." + (f" Negative for {', '.join(rest)}." if rest else ""))
        else:
            ros_lines.append(f"{system}: " + _pick(rng, (f"Negative for {', '.join(negs)}.", f"Denies {', '.join(negs)}.", f"No {' or '.join(negs[:3])}.")))
    out: list[str] = []
    if style == "full":
        out += [f"CHIEF COMPLAINT: {v.cc}", "", "HISTORY OF PRESENT ILLNESS:", " ".join(v.hpi), ""]
        out += ["PAST MEDICAL HISTORY:"] + ([f"{i}. {t}" for i, t in enumerate(pmh, 1)] or ["None"]) + [""]
        out += [f"PAST SURGICAL HISTORY: {', '.join(p.surgical_history) or 'None'}", ""]
        out += [f"MEDICATIONS: {'; '.join(meds) or 'None'}", f"ALLERGIES: {allergies}", ""]
        out += [f"FAMILY HISTORY: {fh_text}", f"SOCIAL HISTORY: {sh}", ""]
        out += ["REVIEW OF SYSTEMS:", *ros_lines, "All other systems reviewed and negative.", ""]
        out += ["PHYSICAL EXAMINATION:", f"Vitals: {vit}"] + [f"{s}: {t}." for s, t in v.exam] + [""]
        if v.procedure_notes:
            out += ["PROCEDURES / IN-OFFICE TESTS:", *v.procedure_notes, ""]
        out += ["ASSESSMENT AND PLAN:"]
        for i, (a, plan) in enumerate(v.assessment, 1):
            out.append(f"{i}. {a}")
            out += [f"   - {x}" for x in plan]
    elif style == "soap":
        out += [f"S: {v.cc}. " + " ".join(v.hpi)]
        out += [f"PMH: {', '.join(pmh) or 'none'}. PSH: {', '.join(p.surgical_history) or 'none'}."]
        out += [f"Meds: {', '.join(meds) or 'none'}. All: {allergies}."]
        out += [f"FH: {fh_text}. SH: {sh}"]
        out += ["ROS: " + " ".join(ros_lines)]
        out += [f"O: {vit}"] + [f"  {s}: {t}" for s, t in v.exam]
        out += v.procedure_notes
        out += ["A/P:"]
        for a, plan in v.assessment:
            out.append(f"# {a} - " + "; ".join(plan))
    else:
        out += [f"CC: {v.cc}", f"HPI: {' '.join(v.hpi)}"]
        out += [f"PMHx: {'; '.join(pmh) or 'Denies'}", f"PSHx: {'; '.join(p.surgical_history) or 'Denies'}"]
        out += [f"Current Meds: {'; '.join(meds) or 'None'}", f"Allergies: {allergies}"]
        out += [f"FHx: {fh_text}", f"SHx: {sh}", "ROS:"] + [f"  {x}" for x in ros_lines]
        out += ["PE:", f"  VS: {vit}"] + [f"  {s}: {t}" for s, t in v.exam]
        if v.procedure_notes:
            out += ["Procedure:"] + [f"  {x}" for x in v.procedure_notes]
        out += ["Assessment:"] + [f"  {i}. {a}" for i, (a, _) in enumerate(v.assessment, 1)]
        out += ["Plan:"] + [f"  - {x}" for _, plan in v.assessment for x in plan]
    if v.minutes:
        out += ["", f"Total time spent on the date of the encounter: {v.minutes} minutes, including record review, exam, counselling and documentation."]
    out += ["", f"Electronically signed by {provider_name} on {dos.strftime('%m/%d/%Y')}"]
    return "\n".join(out) + "\n"


def truth_of(v: Visit) -> Truth:
    procs = list(v.procs)
    if v.em:
        mods: tuple[str, ...] = ("25",) if (v.em_needs_25 or any(pr.code in _GLOBAL_PROCEDURES for pr in procs)) and v.em.startswith("992") else ()
        if v.telehealth:
            mods = (*mods, "95")
        procs.insert(0, TruthProcedure(v.em, mods, 1, tuple(v.dx[:4])))
    extra = tuple(sorted(v.extra - set(v.dx)))
    return Truth(tuple(v.dx), tuple(procs), extra)


# Blood tests drawn by venipuncture (36415 billed once per encounter); POC fingerstick and urine tests are not.
_VENOUS_LABS = frozenset({"80048", "80053", "80061", "84443", "85025", "82306"})

# Procedures with a global period (0/10 days) or bundled injections: an E/M the same day needs modifier 25.
_GLOBAL_PROCEDURES = frozenset({"20610", "12001", "12002", "17110", "11200", "10060", "69210", "29125", "29515",
                                "96372", "94640"})
