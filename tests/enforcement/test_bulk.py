"""Bulk CSV intake: per-row validation, valid rows accepted, idempotent re-import, file-level refusals."""

import csv
import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from countermark.enforcement import service
from countermark.enforcement.csvsafe import neutralise
from countermark.enforcement.export import export_notices
from countermark.enforcement.models import Notice, ReviewItem
from countermark.storage.engine import transaction
from tests.enforcement.helpers import chain_ok, register

HEADER = b"idempotency_key,brand_id,trademark_registration,listings,explanation,good_faith\n"
GOOD = [
    b'n1,acme,EU-001,L0-1 L0-2,"Fake Acme bags, logo wrong",yes\n',
    b"n2,acme,EU 001,https://market.example/item/L1-1,Replica words in title,true\n",
]
BAD = {
    5: (b"n3,acme,EU-001,L0-3,Caf\xe9 counterfeit,yes\n", "not valid UTF-8 (byte 0xe9"),
    6: (b'n4,acme,EU-001,L0-4,"unbalanced quote,yes\n', "malformed CSV quoting"),
    7: (b"n5,acme,EU-001,NOPE-1,explained,yes\n", "unknown listing 'NOPE-1'"),
    8: (b"n6,zenith,US-777,L0-5,explained,yes\n", "does not represent brand 'zenith'"),
    9: (b"n7,acme,EU-001,L0-6,explained,yes,extra\n", "expected 6 fields, found 7"),
    10: (b"n8,acme,EU-001,L0-7,explained,maybe\n", "good_faith must be yes or no"),
    11: (b"n1,acme,EU-001,L3-3,reused key,yes\n", "already used on line 2 with different content"),
}


def _csv():
    return HEADER + GOOD[0] + GOOD[1] + b"\n" + b"".join(row for row, _ in BAD.values())


def test_valid_rows_accepted_bad_rows_reported_per_line(market, clock):
    register(market, clock)
    with transaction(market) as session:
        report = service.import_notices_csv(session, _csv(), notifier_id="acme-legal", name="n.csv", clock=clock)
    assert report.accepted == 2 and report.rows == 9
    assert [r.line for r in report.rejects] == list(BAD)
    for reject in report.rejects:
        assert BAD[reject.line][1] in reject.reason, reject
        assert reject.file == "n.csv"
    with transaction(market) as session:
        notices = session.scalars(select(Notice).order_by(Notice.id)).all()
        assert [(n.idempotency_key, n.channel, n.source_line) for n in notices] == [("n1", "csv", 2), ("n2", "csv", 3)]
        assert notices[0].explanation == "Fake Acme bags, logo wrong"
        assert session.scalar(select(func.count()).select_from(ReviewItem)) == 3
    with transaction(market) as session:  # the same file again: nothing new
        again = service.import_notices_csv(session, _csv(), notifier_id="acme-legal", name="n.csv", clock=clock)
    assert again.accepted == 0 and sorted(again.result.duplicates) == [n.id for n in notices]
    with transaction(market) as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 2
    assert chain_ok(market)


UNREADABLE = [
    (b"key,brand,listings\nx,acme,L0-1\n", "wrong header (missing idempotency_key"),
    (b"", "empty file"),
    (b"\xff\xfeidempotency_key\n", "not valid UTF-8"),
    (b"\r0", "a carriage return inside the header"),
    (HEADER.replace(b"\n", b"\r") + b"n1,acme,EU-001,L0-1,x,yes\r", "old Mac"),
    (b'idempotency_key,"brand_id\n', "malformed CSV header"),
    (HEADER + b"n1,acme,EU-001,L0-1,x,yes\n" * 3, "3 rows; at most 2 per file"),
]


def test_unreadable_files_are_refused_whole(market, clock):
    register(market, clock)
    for data, message in UNREADABLE:
        with pytest.raises(service.UnreadableCSV) as err, transaction(market) as session:
            service.import_notices_csv(session, data, notifier_id="acme-legal", clock=clock,
                                       policy=replace(service.DEFAULT_POLICY, max_csv_rows=2))
        assert message in str(err.value)
    with transaction(market) as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 0


def test_same_key_twice_in_one_file_is_one_notice(market, clock):
    register(market, clock)
    data = HEADER + b"k,acme,EU-001,L0-1,x,yes\n" + b"k,acme,EU-001,L0-1,x,yes\n"
    with transaction(market) as session:
        report = service.import_notices_csv(session, data, notifier_id="acme-legal", clock=clock)
    assert (report.accepted, report.repeated_lines, report.rejects) == (1, [3], [])


def test_export_neutralises_spreadsheet_formulas(market, clock, tmp_path):
    register(market, clock)
    data = HEADER + b'f1,acme,EU-001,L0-1,"=HYPERLINK(""http://evil.example"",""click"")",yes\n'
    with transaction(market) as session:
        assert service.import_notices_csv(session, data, notifier_id="acme-legal", clock=clock).accepted == 1
    out = tmp_path / "notices.csv"
    with transaction(market) as session:
        assert export_notices(session, out) == 1
    [row] = list(csv.DictReader(out.open(encoding="utf-8")))
    assert row["explanation"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert row["listing_id"] == "L0-1" and row["lane"] == "normal"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_formula_starts(value):
    assert neutralise(value) == "'" + value
    assert neutralise("plain =text") == "plain =text"
    assert json.dumps(neutralise(None)) == '""'


def test_expedited_notifier_bulk_import_removes_at_intake(market, clock):
    from countermark.enforcement.models import Notifier
    from countermark.listings.models import Listing

    register(market, clock)
    with transaction(market) as session:
        session.get(Notifier, "acme-legal").expedited = True
    data = HEADER + b"e1,acme,EU-001,L0-1 L0-2,fake,yes\n" + b"e2,acme,EU-001,L1-1,fake,yes\n"
    with transaction(market) as session:
        report = service.import_notices_csv(session, data, notifier_id="acme-legal", clock=clock)
    assert (report.accepted, report.result.auto_removed) == (2, 3)
    with transaction(market) as session:
        assert session.scalars(select(Listing.status).where(Listing.listing_id.in_(["L0-1", "L0-2", "L1-1"]))).all() \
            == ["removed"] * 3
        assert set(session.scalars(select(ReviewItem.lane))) == {"expedited"}
        assert set(session.scalars(select(Notice.status))) == {"closed"}
    assert chain_ok(market)
