"""`countermark report ...` and `countermark audit-sample ...` end to end on a real database."""

import csv
import json
from datetime import date

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from countermark.cli import app
from countermark.reporting.metrics import compute_metrics
from countermark.storage.engine import transaction
from tests.conftest import SHARED
from tests.reporting.enforcement_fixture import MARCH, build_march

runner = CliRunner()


@pytest.fixture
def march_db(engine, db_url, monkeypatch):
    build_march(engine)
    monkeypatch.setenv("COUNTERMARK_DATABASE_URL", db_url)
    return engine


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_metrics_json_csv_and_table(march_db, tmp_path):
    result = run("report", "metrics", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    with transaction(march_db) as s:
        assert data["overall"] == compute_metrics(s, *MARCH).as_dict()

    out = tmp_path / "m.csv"
    result = run("report", "metrics", "--from", "2026-03-01", "--to", "2026-03-31", "--by-brand", "--format", "csv",
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["scope"] for r in rows] == ["overall", "brand:", "brand:B1", "brand:B2"]
    assert rows[0]["removals"] == "6" and rows[2]["takedown_rate"] == "1.0"

    result = run("report", "metrics", "--from", "2026-03-01", "--to", "2026-03-31", "--brand", "B2")
    assert result.exit_code == 0 and "brand:B2" in result.output


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-13-01", "--to", "2026-03-31"], "--from must be a date"),
    (["--from", "2026-03-31", "--to", "2026-03-01"], "is before --from"),
])
def test_metrics_bad_period(march_db, args, message):
    result = run("report", "metrics", *args)
    assert result.exit_code == 1 and message in result.output


def test_transparency_report_files(march_db, tmp_path):
    out = tmp_path / "report"
    result = run("report", "transparency", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "metrics.csv", "notifiers.csv", "series.csv", "transparency.html", "transparency.json"]
    html = (out / "transparency.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "<script" not in html and "<link" not in html
    assert "Take-down rate" in html and "83.3%" in html  # 5 of 6
    report = json.loads((out / "transparency.json").read_text(encoding="utf-8"))
    assert report["overall"]["removals"] == 6 and set(report["by_brand"]) == {"", "B1", "B2"}
    assert "name" not in report["notifiers"][0]  # no personal data in the public report
    weeks = list(csv.DictReader((out / "series.csv").open(encoding="utf-8")))
    # Every week of March is present, zeros included; weeks start on Monday.
    assert [w["bucket"] for w in weeks] == ["2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23",
                                            "2026-03-30"]
    assert [int(w["removals"]) for w in weeks] == [1, 5, 0, 0, 0, 0]


def test_sor_export_validates(march_db, tmp_path):
    out = tmp_path / "sor.jsonl"
    result = run("report", "sor-export", "--out", str(out), "--from", "2026-03-01", "--to", "2026-03-31",
                 "--territory", "de,fr", "--terms-url", "https://shop.example.com/terms#7")
    assert result.exit_code == 0, result.output
    schema = json.loads((SHARED / "spec" / "dsa-sor.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 4
    for statement in lines:
        assert list(validator.iter_errors(statement)) == []
        assert statement["territorial_scope"] == ["DE", "FR"]


def test_prevalence_audit_workflow(march_db, tmp_path):
    sheet = tmp_path / "sheet.csv"
    result = run("audit-sample", "draw", "--margin", "0.2", "--seed", "5", "--out", str(sheet))
    assert result.exit_code == 0, result.output
    sample_id = result.stdout.strip().splitlines()[-1]
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    assert len(rows) == 8  # N = 10: n0 = 24.01 -> 24.01 / (1 + 23.01 / 10) = 7.3 -> 8
    for i, row in enumerate(rows):
        row["label"] = "counterfeit" if i < 2 else "legitimate"
        row["reviewer"] = "alice"
    rows[-1]["label"] = "fake"  # rejected, the rest kept
    rows[-2]["label"] = ""  # not reviewed yet: skipped
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = run("audit-sample", "label", sample_id, "--file", str(sheet))
    assert result.exit_code == 3 and "1 rows rejected" in result.output
    rejects = [json.loads(line) for line in (tmp_path / "sheet.rejects.jsonl").read_text().splitlines()]
    assert rejects[0]["line"] == 9 and "label must be one of" in rejects[0]["reason"]

    result = run("audit-sample", "estimate", sample_id, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["estimate"]["labelled"] == 6 and report["estimate"]["share"] == pytest.approx(2 / 6)
    assert report["unlabelled"] == 2 and "Wilson" in report["method"]
    assert run("audit-sample", "estimate", sample_id).exit_code == 0

    transparency = tmp_path / "t"
    result = run("report", "transparency", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(transparency),
                 "--audit-sample", sample_id)
    assert result.exit_code == 0, result.output
    assert "Prevalence of counterfeit listings" in (transparency / "transparency.html").read_text(encoding="utf-8")


def test_label_errors(march_db, tmp_path):
    sample_id = run("audit-sample", "draw", "--margin", "0.2", "--seed", "1").stdout.strip().splitlines()[-1]
    binary = tmp_path / "labels.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = run("audit-sample", "label", sample_id, "--file", str(binary))
    assert result.exit_code == 2 and "cannot read" in result.output
    wrong_header = tmp_path / "h.csv"
    wrong_header.write_text("id,verdict\nL1,counterfeit\n", encoding="utf-8")
    result = run("audit-sample", "label", sample_id, "--file", str(wrong_header))
    assert result.exit_code == 2 and "header lacks" in result.output
    result = run("audit-sample", "label", sample_id, "--listing", "nope", "--label", "counterfeit", "--reviewer", "a")
    assert result.exit_code == 1 and "not in this sample" in result.output
    assert run("audit-sample", "estimate", "999").exit_code == 1


def test_period_is_inclusive_of_the_last_day():
    from countermark.reporting.metrics import period_bounds

    start, end = period_bounds(date(2026, 3, 1), date(2026, 3, 31))
    assert (start, end) == MARCH
