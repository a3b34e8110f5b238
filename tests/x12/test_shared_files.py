"""Every third-party file in ../shared/data/x12 has a stated outcome: it reads (with N transactions and, for 835s,
N balancing differences), or it is one of the deliberately broken ones and is rejected with a position.

Why each broken one is broken is in the folder READMEs; the positions below are where the damage is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chartclaim.x12 import X12Error, read
from tests.conftest import shared_file

# rel path: ("reads", transactions, balancing differences)
#           ("rejected" | "partial", good transactions, [(position, segment id) of each bad transaction...])
#           ("file_error", position, segment id)
EXPECTED: dict[str, tuple] = {  # type: ignore[type-arg]
    "270/kartik__270_batch_multi.x12": ("reads", 2, 0),
    "270/kartik__270_custom_delimiters.x12": ("reads", 1, 0),
    "270/kartik__270_realtime_single.x12": ("reads", 1, 0),
    "270/kartik__batch_with_one_bad_transaction.x12": ("partial", 2, [(24, 'NM1')]),
    "270/lfh__demo-single-line.270": ("reads", 1, 0),
    "270/lfh__dependent-health-benefit-check.270": ("reads", 1, 0),
    "270/lfh__subscriber-health-benefit-check.270": ("reads", 1, 0),
    "271/kartik__271_active_response.x12": ("reads", 1, 0),
    "271/kartik__271_ls_le_wrapper.x12": ("reads", 1, 0),
    "271/kartik__271_multiple_eb_segments.x12": ("reads", 1, 0),
    "271/kartik__271_rejected_subscriber.x12": ("reads", 1, 0),
    "271/kartik__gainwell_271_redacted.edi": ("reads", 153, 0),
    "271/lfh__dependent-health-benefit-check.271": ("reads", 1, 0),
    "271/lfh__subscriber-health-benefit-check-error.271": ("reads", 1, 0),
    "271/lfh__subscriber-health-benefit-check.271": ("reads", 1, 0),
    "271/nodex12__271.edi": ("reads", 1, 0),
    "276/lfh__claim-level-status-ncpdp.276": ("reads", 1, 0),
    "276/lfh__claim-level-status.276": ("reads", 1, 0),
    "276/lfh__demo.276": ("reads", 1, 0),
    "276/lfh__information-receiver-level-status.276": ("reads", 1, 0),
    "276/lfh__provider-level-status.276": ("reads", 1, 0),
    "277/aurel__test-x12-277-healthplan-to-availity.edi": ("reads", 1, 0),
    "277/imsweb__x12_277_x212.txt": ("reads", 1, 0),
    "277/lfh__claim-level-status-ncpdp.277": ("reads", 1, 0),
    "277/lfh__claim-level-status.277": ("reads", 1, 0),
    "277/lfh__information-receiver-level-status.277": ("reads", 1, 0),
    "277/lfh__provider-level-status.277": ("reads", 1, 0),
    "277ca/imsweb__x12_277CA_accepted.txt": ("reads", 1, 0),
    "277ca/imsweb__x12_277CA_rejected.txt": ("reads", 1, 0),
    "835/affect__exhaustive_sample.txt": ("file_error", 1, 'ST'),
    "835/affect__nevada_medicaid.txt": ("reads", 3, 0),
    "835/affect__sample_835.txt": ("rejected", 0, [(23, 'CAS'), (162, 'PLB')]),
    "835/affect__sample_835_with_interests.txt": ("rejected", 0, [(23, 'CAS'), (165, 'resnCode>adjID>5')]),
    "835/chs__test.835": ("reads", 1, 1),
    "835/e835__blue_cross_nc_sample.txt": ("file_error", 1, 'ST'),
    "835/e835__emedny_sample.txt": ("reads", 1, 0),
    "835/e835__united_healthcare_legacy_sample.txt": ("reads", 1, 0),
    "835/lfh__cob-contractural-adjustment.835": ("reads", 1, 0),
    "835/lfh__managed-care.835": ("reads", 1, 0),
    "835/lfh__medicare-part-a.835": ("reads", 1, 0),
    "835/lfh__secondary-payment.835": ("reads", 1, 0),
    "835/lfh__tertiary-payment.835": ("reads", 1, 1),
    "835/oxedi__balanced_5010_sample.txt": ("reads", 1, 0),
    "835/pyx12__835_mult_loops.txt": ("reads", 1, 0),
    "835/tasty__multi-line-not-delimited.edi": ("reads", 1, 0),
    "835/tasty__profee-multiple.edi": ("reads", 156, 0),
    "837i/imsweb__x223-test.txt": ("reads", 1, 0),
    "837i/lfh__institutional-claim.837i": ("reads", 1, 0),
    "837i/lfh__out-of-network-repriced-claim.837i": ("reads", 1, 0),
    "837i/lfh__ppo-repriced-claim.837i": ("reads", 1, 0),
    "837i/lfh__two-claims-single-provider.837i": ("reads", 1, 0),
    "837p/imsweb__x12_ambiguous_loop.txt": ("reads", 1, 0),
    "837p/imsweb__x12_bad_first_line.txt": ("reads", 1, 0),
    "837p/imsweb__x12_bad_segment_identifier.txt": ("rejected", 0, [(6, None)]),
    "837p/imsweb__x12_bad_valid_code.txt": ("rejected", 0, [(9, 'NM1')]),
    "837p/imsweb__x12_complex.txt": ("reads", 2, 0),
    "837p/imsweb__x12_loop_errors1_exceeds_max_1_parent.txt": ("rejected", 0, [(15, 'NM1')]),
    "837p/imsweb__x12_loop_errors2_exceeds_max_repeats_multiple_parents.txt": ("rejected", 0, [(34, 'NM1')]),
    "837p/imsweb__x12_loop_errors3_missing_loops.txt": ("rejected", 0, [(8, 'HL')]),
    "837p/imsweb__x12_many_claims.txt": ("reads", 1, 0),
    "837p/imsweb__x12_missing_elements.txt": ("rejected", 0, [(7, 'NM1')]),
    "837p/imsweb__x12_missing_required_loop_in_one_repeat.txt": ("rejected", 0, [(18, 'HL')]),
    "837p/imsweb__x12_missing_required_loops_mult_repeats.txt": ("rejected", 0, [(33, 'SV1')]),
    "837p/imsweb__x12_multiple_gs.txt": ("reads", 3, 0),
    "837p/imsweb__x12_multiple_isa.txt": ("reads", 2, 0),
    "837p/imsweb__x12_multiple_st.txt": ("reads", 2, 0),
    "837p/imsweb__x12_multiple_transactions.txt": ("reads", 312, 0),
    "837p/imsweb__x12_no_errors.txt": ("reads", 1, 0),
    "837p/imsweb__x12_no_isa_line.txt": ("file_error", 1, 'GS'),
    "837p/imsweb__x12_segment_errors.txt": ("rejected", 0, [(10, 'N4')]),
    "837p/imsweb__x12_segments_out_of_order.txt": ("rejected", 0, [(11, 'REF')]),
    "837p/imsweb__x12_valid.txt": ("reads", 1, 0),
    "837p/imsweb__x12_valid_different_separators.txt": ("reads", 1, 0),
    "837p/imsweb__x12_writer_test.txt": ("reads", 1, 0),
    "837p/lfh__demo.837": ("reads", 1, 0),
    "837p/lfh__demo.ambulance.example5.837": ("reads", 1, 0),
    "837p/lfh__demo.autoaccident.837": ("reads", 1, 0),
    "837p/lfh__demo.cob.example3.A.837": ("reads", 1, 0),
    "837p/lfh__demo.cob.example3.B.837": ("reads", 1, 0),
    "837p/lfh__demo.cob.example3.C.837": ("reads", 1, 0),
    "837p/lfh__demo.cob.example4.837": ("reads", 1, 0),
    "837p/lfh__demo.drug.example10.1.837": ("reads", 1, 0),
    "837p/lfh__demo.drug.example10.2.837": ("reads", 1, 0),
    "837p/lfh__demo.drug.example10.3.837": ("reads", 1, 0),
    "837p/lfh__demo.example1.837": ("reads", 1, 0),
    "837p/lfh__demo.example11.837": ("reads", 1, 0),
    "837p/lfh__demo.example12.837": ("reads", 1, 0),
    "837p/lfh__demo.example2.837": ("reads", 1, 0),
    "837p/lfh__demo.example6.837": ("reads", 1, 0),
    "837p/lfh__demo.example7.837": ("reads", 1, 0),
    "837p/lfh__demo.example8.837": ("reads", 1, 0),
    "837p/lfh__demo.example9.837": ("reads", 1, 0),
    "837p/staedi__sample837-original.edi": ("reads", 1, 0),
    "837p/uhin__837.edi": ("reads", 1, 0),
    "999/aurel__999-acknowledgment.edi": ("reads", 1, 0),
    "999/imsweb__x12_999_accepted.txt": ("reads", 1, 0),
    "999/imsweb__x12_999_rejected.txt": ("reads", 1, 0),
    "999/pyx12__834_ls_le_ls_5010.999.txt": ("reads", 1, 0),
    "999/pyx12__834_lui_id_5010.999.txt": ("reads", 4, 0),
    "999/staedi__invalid999.edi": ("rejected", 0, [(4, 'IK5')]),
    "999/staedi__simple999.edi": ("reads", 1, 0),
    "ta1/uhin__TA1.edi": ("reads", 1, 0),
}

# Known defects in samples that still read: the balancing differences are real arithmetic errors in the files.
UNBALANCED_WHY = {
    "835/chs__test.835": "claim-level CAS PR 499.50 repeats the line-level CAS (double counted)",
    "835/lfh__tertiary-payment.835": "SVC01 lacks its procedure, shifting SVC02/03 (charge 24599 vs paid 1766.50)",
}


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_shared_file_outcome(shared_data: Path, rel: str) -> None:
    path = shared_file(shared_data, "x12/" + rel)
    expected = EXPECTED[rel]
    if expected[0] == "file_error":
        with pytest.raises(X12Error) as exc:
            read(path)
        assert (exc.value.position, exc.value.segment_id) == (expected[1], expected[2])
        return
    res = read(path)
    good = [t for t in res.transactions if t.ok]
    assert len(good) == expected[1], [str(e) for e in res.errors]
    if expected[0] == "reads":
        assert res.ok, [str(e) for e in res.errors]
        unbalanced = sum(len(m.balancing) for m in res.models("835"))
        assert unbalanced == expected[2]
        for m in res.models("835"):  # claims build lazily: building them must not fail either
            assert sum(1 for _ in m.claims) == len(m.claims)
    else:
        bad = [(e.position, e.segment_id) for e in res.errors]
        assert bad[: len(expected[2])] == expected[2]
        assert all(e.position is not None for e in res.errors)


def test_every_file_is_listed(shared_data: Path) -> None:
    root = shared_data / "x12"
    if not root.is_dir():
        pytest.skip("no x12 reference data")
    files = {str(p.relative_to(root)) for p in root.glob("*/*") if p.suffix != ".md" and p.parent.name != "LICENSES"}
    assert files == set(EXPECTED)
