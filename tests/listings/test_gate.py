"""ListingGate: a batch admitted at once is exactly what `check` admits one by one."""

from countermark.listings.bundle import ListingGate


def test_a_clean_batch_is_admitted_and_recorded() -> None:
    gate = ListingGate({"S1", "S2"})
    assert gate.admits_all([1, 2], ["L1", "L2"], ["S1", "S2"])
    assert gate.check(3, "L1", "S1") == "duplicate listing_id 'L1' (first at line 1)"


def test_a_batch_with_anything_to_reject_is_left_to_check_and_records_nothing() -> None:
    gate = ListingGate({"S1"})
    gate.check(1, "L1", "S1")
    for ids, sellers in ((["L2", "L2"], ["S1", "S1"]), (["L2", "L1"], ["S1", "S1"]), (["L2", "L3"], ["S1", "S9"])):
        assert not gate.admits_all([2, 3], ids, sellers)
    assert gate.check(2, "L2", "S1") is None
    assert gate.check(3, "L3", "S9") == "unknown seller_id 'S9'"
