"""Bulk notice intake from CSV: every row validated on its own, valid rows accepted in one transaction,
each bad row reported with its line and reason (nothing dropped silently, nothing half-applied).

Format (UTF-8, header required, one notice per physical line; quoted fields may not span lines):
`idempotency_key,brand_id,trademark_registration,listings,explanation,good_faith[,notifier_name,notifier_email]`
where `listings` holds listing ids or URLs separated by spaces, `;` or `|`, and `good_faith` is yes/true/1.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from countermark.enforcement.clock import Clock, system_clock
from countermark.enforcement.errors import InvalidNotice
from countermark.enforcement.notices import IntakeContext, IntakeResult, NoticeInput, ValidNotice, accept
from countermark.enforcement.policy import DEFAULT_POLICY, Policy
from countermark.listings.records import Reject

REQUIRED = ("idempotency_key", "brand_id", "trademark_registration", "listings", "explanation", "good_faith")
OPTIONAL = ("notifier_name", "notifier_email")
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0", ""}
LISTING_SEPARATORS = re.compile(r"[\s;|]+")


class UnreadableCSV(ValueError):
    """The file as a whole cannot be taken (wrong header, too many rows, not text): nothing was applied."""


@dataclass
class BulkReport:
    rows: int = 0
    result: IntakeResult = field(default_factory=IntakeResult)
    rejects: list[Reject] = field(default_factory=list)
    repeated_lines: list[int] = field(default_factory=list)  # same key and content as an earlier line: ignored

    @property
    def accepted(self) -> int:
        return len(self.result.notice_ids)


def _decode(raw: bytes) -> tuple[str | None, str | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as e:
        return None, f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1}); save the file as UTF-8"


def read_rows(data: bytes, name: str, policy: Policy) -> tuple[list[tuple[int, str, dict[str, str]]], list[Reject]]:
    """Parse the CSV into (line, row) pairs and per-line rejects; raises UnreadableCSV for file-level faults."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    header_raw = lines[0].rstrip(b"\r") if lines else b""
    header_text, problem = _decode(header_raw)
    if header_text is None or not header_text.strip():
        raise UnreadableCSV(f"{name}: line 1: {problem or 'empty file: expected a header'}")
    if "\r" in header_text:  # csv would fail with "new-line character seen in unquoted field"
        raise UnreadableCSV(f"{name}: line 1: a carriage return inside the header; lines must end with \\n or "
                            "\\r\\n (a file with old Mac \\r line endings is one line: save it with other endings)")
    try:
        header = [h.strip().lower() for h in next(csv.reader([header_text], strict=True))]
    except csv.Error as e:
        raise UnreadableCSV(f"{name}: line 1: malformed CSV header ({e})") from None
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if missing or unknown or duplicated:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unknown {', '.join(unknown)}"] if unknown else []) + (
            [f"repeated {', '.join(duplicated)}"] if duplicated else [])
        raise UnreadableCSV(f"{name}: wrong header ({'; '.join(parts)}); expected columns "
                            f"{','.join(REQUIRED)} and optionally {','.join(OPTIONAL)}")
    body = [(n, raw.rstrip(b"\r")) for n, raw in enumerate(lines[1:], start=2) if raw.strip()]
    if len(body) > policy.max_csv_rows:
        raise UnreadableCSV(f"{name}: {len(body)} rows; at most {policy.max_csv_rows} per file, split it")
    rows, rejects = [], []
    for line_no, raw in body:
        text, problem = _decode(raw)
        record = raw.decode("utf-8", errors="replace")
        if text is None:
            rejects.append(Reject(name, line_no, problem, record))
            continue
        try:
            (fields,) = list(csv.reader([text], strict=True))
        except (csv.Error, ValueError) as e:
            rejects.append(Reject(name, line_no, f"malformed CSV quoting ({e}); quote fields containing commas "
                                                 "with \"...\" and double any quote inside", record))
            continue
        if len(fields) != len(header):
            rejects.append(Reject(name, line_no, f"expected {len(header)} fields, found {len(fields)} "
                                                 "(unquoted comma or missing field?)", record))
            continue
        rows.append((line_no, text, dict(zip(header, fields, strict=True))))
    return rows, rejects


def to_notice(row: dict[str, str], notifier_id: str, name: str, line_no: int) -> NoticeInput:
    good_faith = row["good_faith"].strip().lower()
    if good_faith not in TRUE | FALSE:
        raise InvalidNotice([f"good_faith must be yes or no, not {row['good_faith']!r}"])
    return NoticeInput(
        notifier_id=notifier_id, idempotency_key=row["idempotency_key"].strip(), brand_id=row["brand_id"].strip(),
        trademark_registration=row["trademark_registration"], explanation=row["explanation"],
        listings=[x for x in LISTING_SEPARATORS.split(row["listings"]) if x], good_faith=good_faith in TRUE,
        notifier_name=row.get("notifier_name", ""), notifier_email=row.get("notifier_email", ""),
        source_file=name, source_line=line_no)


def import_csv(
    session: Session,
    source: Path | bytes,
    *,
    notifier_id: str,
    name: str | None = None,
    actor: str = "cli",
    clock: Clock = system_clock,
    policy: Policy = DEFAULT_POLICY,
    media_root: Path | None = None,
) -> BulkReport:
    """Validate every row, then accept the valid ones in the caller's transaction."""
    data = source.read_bytes() if isinstance(source, Path) else source
    name = name or (str(source) if isinstance(source, Path) else "upload.csv")
    rows, rejects = read_rows(data, name, policy)
    now = clock()
    context = IntakeContext(session, notifier_id, policy, now)
    report = BulkReport(rows=len(rows) + len(rejects), rejects=rejects)
    notices: list[tuple[int, str, NoticeInput]] = []
    for line_no, text, row in rows:
        try:
            notices.append((line_no, text, to_notice(row, notifier_id, name, line_no)))
        except InvalidNotice as e:
            report.rejects.append(Reject(name, line_no, str(e), text))
    context.preload([n for _, _, n in notices])
    valid: list[ValidNotice] = []
    duplicates: list[int] = []
    first_seen: dict[str, tuple[int, str]] = {}  # idempotency key -> (line, fingerprint) earlier in this file
    for line_no, text, notice in notices:
        try:
            checked = context.validate(notice)
        except InvalidNotice as e:
            report.rejects.append(Reject(name, line_no, str(e), text))
            continue
        if isinstance(checked, int):
            duplicates.append(checked)
            continue
        key = checked.notice.idempotency_key
        if key in first_seen:
            first_line, first_fp = first_seen[key]
            if first_fp == checked.fingerprint:
                report.repeated_lines.append(line_no)
            else:
                reason = f"idempotency_key {key!r} already used on line {first_line} with different content"
                report.rejects.append(Reject(name, line_no, reason, text))
            continue
        first_seen[key] = (line_no, checked.fingerprint)
        valid.append(checked)
    report.result = accept(session, context, valid, channel="csv", actor=actor, now=now, media_root=media_root)
    report.result.duplicates = duplicates
    report.rejects.sort(key=lambda r: r.line)
    return report
