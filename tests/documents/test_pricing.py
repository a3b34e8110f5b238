"""Pricing: payer fee schedules, the Medicare Physician Fee Schedule, the charge master."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
from decimal import Decimal
from pathlib import Path

import pytest

from chartclaim.billing.pricing import (
    FACILITY_POS,
    ChargeMaster,
    FeeSchedule,
    FeeScheduleEntry,
    PricingError,
    builtin_charge_master,
    builtin_fee_schedules,
    expected_allowed,
    import_mpfs,
    load_fee_schedules,
    load_mpfs,
    practice_fee_schedules,
    read_mpfs_folder,
    round_cents,
    standard_charge,
    underpayment,
)
from tests.conftest import shared_file

D = Decimal


def test_round_cents_is_half_up_not_bankers() -> None:
    assert round_cents(D("0.125")) == D("0.13")
    assert round_cents(D("2.675")) == D("2.68")
    assert round_cents(D("-0.125")) == D("-0.13")


# --- payer fee schedules ---------------------------------------------------------------------------------------


def test_yaml_schedule_modifier_rows_dates_and_units(tmp_path: Path) -> None:
    f = tmp_path / "acme.yaml"
    f.write_text(
        "schedules:\n"
        "  - id: acme\n    name: Acme PPO\n    payer_ids: [ACME1, ACME2]\n    effective_from: 2025-01-01\n"
        "    fees:\n"
        "      '99213': 101.10\n"
        "      '71046': {allowed: '40.00'}\n"
        "      '71046-26': {allowed: '12.00'}\n"
        "      '99214': {allowed: '150.00', effective_to: 2025-06-30}\n"
        "      '99214 ': {allowed: '155.00', effective_from: 2025-07-01}\n")
    book = load_fee_schedules(f)
    s = book.for_payer("ACME2")
    assert s is not None and s.name == "Acme PPO"
    # YAML numbers go through text, never float: 101.10 stays exactly 101.10
    assert s.allowed("99213") == D("101.10")
    assert s.allowed("71046", ["26"]) == D("12.00")
    assert s.allowed("71046", ["TC"]) == D("40.00")  # no TC row: the global row
    assert s.allowed("71046", ["59", "26"]) == D("12.00")  # first modifier with its own row wins
    assert s.allowed("99214", on=dt.date(2025, 3, 1)) == D("150.00")
    assert s.allowed("99214", on=dt.date(2025, 8, 1)) == D("155.00")
    assert s.allowed("99214", on=dt.date(2024, 12, 31)) is None
    assert s.allowed("99213", units=3) == D("303.30")
    assert book.for_payer("OTHER") is None


def test_csv_schedule_and_default_payer(tmp_path: Path) -> None:
    f = tmp_path / "fees.csv"
    f.write_text("schedule,name,payer_ids,code,modifier,allowed,effective_from\n"
                 "mcd,State Medicaid,SKMCD,99213,,61.25,2025-01-01\n"
                 "sp,Self pay,*,99213,,120,\n")
    book = load_fee_schedules(f)
    assert book.allowed("SKMCD", "99213", on=dt.date(2025, 5, 1)) == D("61.25")
    assert book.allowed("ANYONE", "99213") == D("120.00")


@pytest.mark.parametrize(("text", "needle"), [
    ("schedule,code,allowed\nx,99213,abc\n", ":2 [allowed]"),
    ("schedule,code,allowed\nx,99213,-5\n", "negative"),
    ("schedule,code\nx,99213\n", "missing column(s) allowed"),
    ("schedule,code,allowed,effective_from\nx,99213,5,31/01/2025\n", ":2 [effective_from]"),
])
def test_csv_errors_name_line_and_field(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(PricingError) as exc:
        load_fee_schedules(f)
    assert needle in str(exc.value) and "bad.csv" in str(exc.value)


def test_scaled_schedule_rounds_each_amount() -> None:
    base = FeeSchedule("m", "Medicare", (FeeScheduleEntry("99213", D("88.95")),))
    c = base.scaled("c", "Commercial", "1.30", ["C1"])
    assert c.allowed("99213") == round_cents(D("88.95") * D("1.30"))
    assert c.payer_ids == ("C1",)


def test_builtin_book_prices_demo_codes_and_leaves_medicare_noncovered_out() -> None:
    book = builtin_fee_schedules()
    ref = book.get("reference-demo")
    mcr = book.get("medicare-demo")
    com = book.get("commercial-demo")
    assert len(ref.codes()) >= 60
    for code in ref.codes():
        assert com.allowed(code) == round_cents(ref.allowed(code) * D("1.30"))  # type: ignore[operator]
    # Medicare does not pay preventive visits (status N in the MPFS): not on its schedule.
    assert ref.allowed("99396") is not None and mcr.allowed("99396") is None
    assert mcr.allowed("99213") == ref.allowed("99213")
    assert ref.allowed("71046", ["26"]) != ref.allowed("71046")
    assert book.for_payer("SOMEBODY-ELSE") is not None  # the '*' self-pay schedule


def test_charge_master_is_multiple_rounded_up() -> None:
    assert standard_charge(D("88.95"), "2", "1") == D("178.00")
    assert standard_charge(D("88.01"), "2", "5") == D("180.00")
    assert standard_charge(D("10.00"), "1.5", "0") == D("15.00")
    cm = builtin_charge_master("2.5")
    ref = builtin_fee_schedules().get("reference-demo")
    allowed = ref.allowed("99214")
    assert allowed is not None
    charge = cm.charge("99214")
    assert charge is not None and charge >= allowed * D("2.5") and charge % 1 == 0
    assert cm.charge("99214", units=2) == charge * 2
    assert cm.charge("NOPE1") is None
    assert isinstance(ChargeMaster.from_schedule(ref, 3).charge("36415"), Decimal)


# --- MPFS from small CMS-layout files (always run) -------------------------------------------------------------

_PPRRVU_HEAD = ("hcpcs,modifier,status_code,not_used_for_medicare_payment,work_rvu,non_facility_pe_rvu,"
                "non_facility_na_indicator,facility_pe_rvu,facility_na_indicator,mp_rvu,non_facility_total,"
                "facility_total,pctc_indicator,global_days,pre_op,intra_op,post_op,mult_proc,bilat_surg,asst_surg,"
                "co_surg,team_surg,endo_base,conversion_factor,phys_supervision_diag_proc,calculation_flag,"
                "diag_imaging_family,non_facility_pe_used_for_opps,facility_pe_used_for_opps,mp_used_for_opps\n")


def _mini_mpfs(folder: Path, with_description: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        "11111,,A,,1.00,2.00,,0.50,,0.10,3.10,1.60,0,XXX,0,0,0,0,0,0,0,0,,30.0000,09,0,99,0,0,0",
        "22222,,A,,0.20,0.80,,0.80,NA,0.02,1.02,1.02,1,XXX,0,0,0,0,0,0,0,0,,30.0000,09,0,99,0,0,0",
        "22222,26,A,,0.20,0.10,,0.10,,0.01,0.31,0.31,1,XXX,0,0,0,0,0,0,0,0,,30.0000,09,0,99,0,0,0",
        "22222,TC,A,,0.00,0.70,,0.70,NA,0.01,0.71,0.71,1,XXX,0,0,0,0,0,0,0,0,,30.0000,09,0,99,0,0,0",
        "33333,,X,,0.00,0.00,,0.00,,0.00,0.00,0.00,9,XXX,0,0,0,9,9,9,9,9,,30.0000,09,0,99,0,0,0",
        "44444,,A,,10.00,5.00,NA,5.00,,1.00,16,16,0,090,0,0,0,2,1,2,1,0,,30.0000,09,0,99,0,0,0",
        # imaging (multiple-procedure indicator 4), global + 26 + TC rows
        "55555,,A,,0.50,3.00,,3.00,NA,0.05,3.55,3.55,1,XXX,0,0,0,4,0,0,0,0,,30.0000,09,0,88,0,0,0",
        "55555,26,A,,0.50,0.20,,0.20,,0.03,0.73,0.73,1,XXX,0,0,0,4,0,0,0,0,,30.0000,09,0,88,0,0,0",
        "55555,TC,A,,0.00,2.80,,2.80,NA,0.02,2.82,2.82,1,XXX,0,0,0,4,0,0,0,0,,30.0000,09,0,88,0,0,0",
        "56666,,A,,0.30,1.50,,1.50,NA,0.02,1.82,1.82,1,XXX,0,0,0,4,0,0,0,0,,30.0000,09,0,88,0,0,0",
        "56666,26,A,,0.30,0.10,,0.10,,0.01,0.41,0.41,1,XXX,0,0,0,4,0,0,0,0,,30.0000,09,0,88,0,0,0",
        "56666,TC,A,,0.00,1.40,,1.40,NA,0.01,1.41,1.41,1,XXX,0,0,0,4,0,0,0,0,,30.0000,09,0,88,0,0,0",
        # therapy (indicator 5)
        "66666,,A,,0.40,0.50,,0.50,NA,0.01,0.91,0.91,7,XXX,0,0,0,5,0,0,0,0,,30.0000,09,0,99,0,0,0",
    ]
    if with_description:
        # the CMS original: a multi-line heading and a DESCRIPTION column after MOD
        # descriptions may hold commas (quoted) or be empty
        descs = itertools.cycle(['"Words, with a comma"', "", "Plain words"])
        text = "2025 PPRRVU,,\nHCPCS,MOD,DESCRIPTION,...\n" + "\n".join(
            ",".join([*r.split(",")[:2], next(descs), *r.split(",")[2:]]) for r in rows) + "\n"
    else:
        text = _PPRRVU_HEAD + "\n".join(rows) + "\n"
    with gzip.open(folder / "pprrvu_2025_mini.csv.gz", "wt") as fh:
        fh.write(text)
    (folder / "GPCI2025.csv").write_text(
        "ADDENDUM E,,,,,,\n,,,,,,\nMedicare Administrative Contractor (MAC),State,Locality Number,Locality Name,"
        "2025 PW GPCI (with 1.0 Floor),2025 PE GPCI,2025 MP GPCI\n"
        "10112,AL,00,ALABAMA,1,0.8,0.5\n01112,CA,05,SAN FRANCISCO*,1.1,1.4,0.4\n"
        "*footnote,,,,,,\n")
    (folder / "ANES2025.csv").write_text("Contractor,Locality,Locality Name,National Anes CF of 20.3178\n"
                                         "10112 ,00 ,ALABAMA,19.31 \n")
    with gzip.open(folder / "OPPSCAP_Oct.csv.gz", "wt") as fh:
        fh.write("HCPCS,MOD,PROCSTAT,CARRIER,LOCALITY,FACILITY PRICE,NON-FACILTY PRICE\n"
                 "22222,TC,A,01112,05,5.00,5.00\n")
    return folder


@pytest.mark.parametrize("with_description", [False, True])
def test_mini_mpfs_formula_settings_and_components(tmp_path: Path, with_description: bool) -> None:
    fs, store = import_mpfs(_mini_mpfs(tmp_path / "cms", with_description), tmp_path / "data")
    assert store.exists() and fs.year == 2025 and fs.conversion_factor == D("30.0000")
    fs = load_mpfs(tmp_path / "data")
    # AL: (1.00×1 + 2.00×0.8 + 0.10×0.5) × 30 = 2.65 × 30 = 79.50 non-facility
    p = fs.price("11111", locality="AL", pos="11")
    assert p.setting == "non-facility" and p.amount == D("79.50")
    # facility PE 0.50: (1 + 0.4 + 0.05) × 30 = 43.50
    assert fs.price("11111", locality="10112-00", pos="22").amount == D("43.50")
    # 26 row: (0.20×1 + 0.10×0.8 + 0.01×0.5) × 30 = 0.285 × 30 = 8.55
    assert fs.price("22222", ["26"], "AL", "21").amount == D("8.55")
    # TC capped by OPPS in SF: computed (0.70×1.4 + 0.01×0.4) × 30 = 29.52 → cap 5.00
    tc = fs.price("22222", ["TC"], "CA-05", "11")
    assert tc.unadjusted_amount == D("29.52") and tc.opps_capped and tc.amount == D("5.00")
    assert not fs.price("33333", locality="AL").payable  # status X
    bad = fs.price("11111", ["26"], "AL")  # PC/TC indicator 0: 26 not allowed
    assert not bad.payable and "not valid" in bad.notes[0]
    # payment modifiers from the row's indicators: bilateral 150 %, assistant 16 %, co-surgeon 62.5 %
    full = fs.price("44444", (), "AL", "21").amount
    assert full is not None
    assert fs.price("44444", ["50"], "AL", "21").amount == round_cents(full * D("1.5"))
    assert fs.price("44444", ["80"], "AL", "21").amount == round_cents(full * D("0.16"))
    assert fs.price("44444", ["62"], "AL", "21").amount == round_cents(full * D("0.625"))
    assert fs.price("11111", locality="AL", units=2).amount == D("159.00")
    assert "× CF 30.0000" in p.explain()
    assert fs.find_locality("san francisco").key == "01112-05"
    with pytest.raises(PricingError, match="no Medicare locality"):
        fs.find_locality("ZZ-99")


def test_facility_pos_list() -> None:
    assert {"21", "22", "23", "24", "19", "31"} <= FACILITY_POS
    assert not {"11", "12", "10", "20", "32", "49", "81"} & FACILITY_POS


def test_mpfs_import_errors_name_the_file(tmp_path: Path) -> None:
    folder = _mini_mpfs(tmp_path / "cms")
    (folder / "GPCI2025.csv").write_text("Contractor,State,Locality Number,Locality Name,2025 PW GPCI,"
                                         "2025 PE GPCI,2025 MP GPCI\n10112,AL,00,ALABAMA,1,x.8,0.5\n")
    with pytest.raises(PricingError, match=r"GPCI2025.csv:2 \[PE GPCI\]"):
        read_mpfs_folder(folder)
    with pytest.raises(PricingError, match="no Medicare fee schedule imported"):
        load_mpfs(tmp_path / "empty")


# --- MPFS from the real CMS files -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mpfs_2025(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = shared_file(shared_data, "reference/mpfs_rvu_2025")
    data = tmp_path_factory.mktemp("data")
    import_mpfs(folder, data)
    return load_mpfs(data)  # through the compact store, as the product reads it


def test_real_99213_alabama_non_facility_by_hand(mpfs_2025) -> None:  # type: ignore[no-untyped-def]
    # PPRRVU: 99213 work 1.30, non-fac PE 1.35, fac PE 0.57, MP 0.10; GPCI AL 00: 1 / 0.869 / 0.575; CF 32.3465
    row = mpfs_2025.row("99213")
    assert (row.work, row.pe_non_facility, row.pe_facility, row.mp) == (D("1.30"), D("1.35"), D("0.57"), D("0.10"))
    hand_nf = (D("1.30") * 1 + D("1.35") * D("0.869") + D("0.10") * D("0.575")) * D("32.3465")  # 81.8576...
    hand_f = (D("1.30") * 1 + D("0.57") * D("0.869") + D("0.10") * D("0.575")) * D("32.3465")
    assert mpfs_2025.price("99213", locality="AL", pos="11").amount == round_cents(hand_nf) == D("81.86")
    assert mpfs_2025.price("99213", locality="AL", pos="22").amount == round_cents(hand_f)


def test_real_localities_components_and_caps(mpfs_2025) -> None:  # type: ignore[no-untyped-def]
    # Manhattan (13202-01) GPCIs from GPCI2025.csv
    man = mpfs_2025.find_locality("MANHATTAN")
    assert man.key == "13202-01"
    hand = (D("1.92") * man.work_gpci + D("1.80") * man.pe_gpci + D("0.15") * man.mp_gpci) * D("32.3465")
    assert mpfs_2025.price("99214", locality=man, pos="11").amount == round_cents(hand)
    # 71046 global = 26 + TC in RVUs; each priced from its own row
    g, pc, tc = (mpfs_2025.price("71046", m, "AL", "11").amount for m in ((), ("26",), ("TC",)))
    assert pc < tc < g
    # OPPS imaging cap: 70496 non-facility in San Francisco is capped below the formula amount
    p = mpfs_2025.price("70496", (), "01112-05", "11")
    assert p.opps_capped and p.amount == p.opps_cap and p.unadjusted_amount > p.amount
    assert not mpfs_2025.price("36415", locality="AL").payable  # lab: status X
    assert not mpfs_2025.price("99396", locality="AL").payable  # preventive: status N
    assert len(mpfs_2025.localities) == 109 and len(mpfs_2025.rvus) > 19000


def test_anesthesia_multiple_procedures_and_year_check(tmp_path: Path) -> None:
    fs, _ = import_mpfs(_mini_mpfs(tmp_path / "cms"), tmp_path / "data")
    # AL anesthesia CF 19.31: (5 base + 62 min / 15 = 4.1 time units) x 19.31 = 175.721 -> 175.72
    assert fs.anesthesia_amount(5, 62, "AL") == D("175.72")
    # 44444 (indicator 2) twice: the second at 50 %; 11111 (indicator 0) untouched; charge caps a fee
    full = fs.price("44444", (), "AL", "21").amount
    assert full is not None
    out = fs.price_lines([("44444", (), 1, None), ("44444", ("59",), 1, None), ("11111", (), 1, D("20.00"))],
                         "AL", "21")
    assert out[0].amount == full and out[1].amount == round_cents(full * D("0.5"))
    assert any("multiple procedure" in n for n in out[1].notes)
    assert out[2].amount == D("20.00") and "billed charge" in out[2].notes[-1]
    with pytest.raises(PricingError, match="no Medicare fee schedule for 2031"):
        load_mpfs(tmp_path / "data", dt.date(2031, 1, 5))
    assert load_mpfs(tmp_path / "data", dt.date(2025, 5, 1)).year == 2025


def test_expected_allowed_and_underpayment() -> None:
    book = builtin_fee_schedules()
    fee = book.allowed("COMMERCIAL-DEMO", "99213")
    assert fee is not None
    assert expected_allowed(book, "COMMERCIAL-DEMO", "99213", charge=D("500")) == fee
    assert expected_allowed(book, "COMMERCIAL-DEMO", "99213", charge=D("50")) == D("50.00")
    assert expected_allowed(book, "MEDICARE-DEMO", "99396") is None
    assert underpayment(D("100.00"), D("70.00"), D("20.00")) == D("10.00")
    assert underpayment(D("100.00"), D("80.00"), D("20.00")) == 0
    assert underpayment(D("100.00"), D("79.995"), D("20.00")) == 0  # within a cent


def test_cli_fees_price_and_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from chartclaim.cli import app
    from chartclaim.settings import get_settings

    monkeypatch.setenv("CHARTCLAIM_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["fees", "price", "99213"])
        assert r.exit_code == 0 and "built-in demo schedule" in r.output
        r = runner.invoke(app, ["fees", "import", "mpfs", str(_mini_mpfs(tmp_path / "cms"))])
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["fees", "price", "11111", "--locality", "AL", "--pos", "11"])
        assert r.exit_code == 0 and "$79.50" in r.output and "× CF 30.0000" in r.output
        r = runner.invoke(app, ["fees", "price", "11111", "--locality", "AL", "--json"])
        assert '"amount": "79.50"' in r.output
        r = runner.invoke(app, ["fees", "price", "11111", "--locality", "ZZ-99"])
        assert r.exit_code == 1
        r = runner.invoke(app, ["fees", "show", "COMMERCIAL-DEMO", "71046", "-m", "26"])
        assert r.exit_code == 0 and "71046-26" in r.output
        # an imported schedule joins the built-in book and replaces one with the same id
        own = tmp_path / "acme.csv"
        own.write_text("schedule,name,payer_ids,code,allowed\nacme,Acme,ACME1,99213,111.11\n"
                       "commercial-demo,Renegotiated,COMMERCIAL-DEMO,99213,140.00\n")
        r = runner.invoke(app, ["fees", "import", "schedule", str(own)])
        assert r.exit_code == 0 and "acme: Acme" in r.output
        book = practice_fee_schedules(tmp_path / "data")
        assert book.allowed("ACME1", "99213") == D("111.11")
        assert book.allowed("COMMERCIAL-DEMO", "99213") == D("140.00")
        assert book.allowed("COMMERCIAL-DEMO", "99214") is None  # the whole schedule was replaced
        assert book.allowed("MEDICARE-DEMO", "99213") is not None
        r = runner.invoke(app, ["fees", "show", "ACME1", "99213"])
        assert "$111.11" in r.output
        bad = tmp_path / "bad.csv"
        bad.write_text("schedule,code,allowed\nx,99213,abc\n")
        r = runner.invoke(app, ["fees", "import", "schedule", str(bad)])
        assert r.exit_code == 1 and not (tmp_path / "data" / "fee_schedules" / "bad.csv").exists()
    finally:
        get_settings.cache_clear()


def test_multiple_procedure_rules_by_indicator(tmp_path: Path) -> None:
    fs, _ = import_mpfs(_mini_mpfs(tmp_path / "cms"), tmp_path / "data")
    # By hand at AL (GPCIs 1 / 0.8 / 0.5, CF 30):
    #   55555 TC (2.80×0.8 + 0.02×0.5)×30 = 67.50, PC (0.50 + 0.20×0.8 + 0.03×0.5)×30 = 20.25, global 87.75
    #   56666 TC (1.40×0.8 + 0.01×0.5)×30 = 33.75, PC (0.30 + 0.10×0.8 + 0.01×0.5)×30 = 11.55, global 45.30
    single = fs.price_lines([("56666", (), 1, None)], "AL", "11")
    assert single[0].amount == D("45.30") and single[0].notes == ()
    two = fs.price_lines([("56666", (), 1, None), ("55555", (), 1, None)], "AL", "11")
    assert two[1].amount == D("87.75")  # the highest TC keeps 100 %
    # second: TC 33.75 × 50 % + PC 11.55 × 95 % = 16.875 + 10.9725 = 27.8475
    assert two[0].amount == D("27.85") and "imaging" in two[0].notes[-1]
    # PC-only and TC-only lines follow the same ranking
    split = fs.price_lines([("55555", ("26",), 1, None), ("56666", ("26",), 1, None)], "AL", "11")
    assert [p.amount for p in split] == [D("20.25"), round_cents(D("11.55") * D("0.95"))]
    # therapy: unit value (0.40 + 0.50×0.8 + 0.01×0.5)×30 = 24.15 with PE 12.00; units 2-3 pay half the PE
    th = fs.price_lines([("66666", (), 3, None)], "AL", "11")
    assert th[0].amount == D("24.15") + 2 * (D("24.15") - D("6.00"))
    # surgery: two units of one code are two procedures
    full = fs.price("44444", (), "AL", "21").amount
    assert full is not None
    surg = fs.price_lines([("44444", (), 2, None)], "AL", "21")
    assert surg[0].amount == round_cents(full * D("1.5"))


def test_bilateral_pairs_and_fractional_units(tmp_path: Path) -> None:
    fs, _ = import_mpfs(_mini_mpfs(tmp_path / "cms"), tmp_path / "data")
    full = fs.price("44444", (), "AL", "21").amount  # bilateral indicator 1
    assert full is not None
    pair = fs.price_lines([("44444", ("RT",), 1, None), ("44444", ("LT",), 1, None)], "AL", "21")
    assert [p.amount for p in pair] == [round_cents(full * D("0.75"))] * 2  # 150 % in all, not 100 % + 50 %
    assert "bilateral" in pair[0].notes[0]
    # the pair ranks as one procedure against another surgery: 11111 (indicator 0) is untouched, and a second
    # 44444 without a side is the second procedure
    with_other = fs.price_lines([("44444", ("RT",), 1, None), ("44444", ("LT",), 1, None),
                                 ("44444", (), 1, None)], "AL", "21")
    assert with_other[0].amount == round_cents(full * D("0.75"))
    assert with_other[2].amount == round_cents(full * D("0.5"))
    # an unpaired side is a normal line
    assert fs.price_lines([("44444", ("RT",), 1, None)], "AL", "21")[0].amount == full
    # fractional units are priced, not dropped: 1.5 units of therapy 66666
    th = fs.price_lines([("66666", (), D("1.5"), None)], "AL", "11")
    # first unit in full; the half unit: (non-PE 12.15 + PE 12.00 × 50 %) × 0.5 = 9.075
    assert th[0].amount == round_cents(D("24.15") + (D("12.15") + D("12.00") * D("0.5")) * D("0.5")) == D("33.23")


def test_real_bilateral_knee_injection(mpfs_2025) -> None:  # type: ignore[no-untyped-def]
    # 20610 has bilateral indicator 1: RT + LT pay 150 % of one side in all
    one = mpfs_2025.price("20610", (), "AL", "11").amount
    sides = mpfs_2025.price_lines([("20610", ("RT",), 1, None), ("20610", ("LT",), 1, None)], "AL", "11")
    assert sum(p.amount for p in sides) == 2 * round_cents(one * D("0.75"))
    assert mpfs_2025.price("20610", ("50",), "AL", "11").amount == round_cents(one * D("1.5"))
