"""Anchors of the query-log chain outside the database.

The hash chain and its checkpoints live in the database, so whoever owns the database can
rewrite rows, clear their seal columns, delete the later checkpoints and seal again: the new
chain is consistent. Each checkpoint's chain head (sequence number and row hash) is therefore
also appended to a file (`QUERY_LOG_ANCHOR_PATH`, one JSON line per checkpoint), authenticated
with an HMAC whose key (`QUERY_LOG_ANCHOR_KEY`) the database does not hold. `verify_query_log`
compares the chain with every valid anchor: a re-sealed chain no longer has the anchored hash at
the anchored sequence. Appending a new anchor never hides an old one, so a rewrite stays visible
even when the re-seal itself writes fresh anchors with the right key.

What it does not stop: someone holding both the database and the key or the anchor file. Copies
of the anchors kept off the machine (`export_query_log_anchors`) and checked with
`verify_query_log --anchor-file` close that gap up to the copy's date.
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MSG_NO_KEY = (
    "QUERY_LOG_ANCHOR_KEY is not set: query-log checkpoints cannot be anchored outside the database, "
    "so nothing is sealed. Set the environment variable (a random value kept off the database server)."
)
SIGNED_FIELDS = ("seq", "hash", "first_seq", "checkpoint", "at")


def anchor_key() -> bytes:
    key = getattr(settings, "QUERY_LOG_ANCHOR_KEY", "")
    if not key:
        raise ImproperlyConfigured(MSG_NO_KEY)
    return key.encode("utf-8")


def anchor_path() -> Path:
    return Path(settings.QUERY_LOG_ANCHOR_PATH)


def _mac(key: bytes, content: dict) -> str:
    # A fixed field order joined by "|" (no field contains one): cheap to recompute for every line.
    message = "|".join(str(content[name]) for name in SIGNED_FIELDS)
    return hmac.digest(key, message.encode("utf-8"), "sha256").hex()


def anchor_line(checkpoint, *, key: bytes) -> str:
    """The JSON line that anchors one checkpoint, with its HMAC."""
    content = {
        "seq": checkpoint.last_seq,
        "hash": checkpoint.last_hash,
        "first_seq": checkpoint.last_seq - checkpoint.rows_sealed + 1,
        "checkpoint": checkpoint.pk,
        "at": checkpoint.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
    }
    return json.dumps({**content, "hmac": _mac(key, content)}, separators=(",", ":")) + "\n"


def append_anchors(checkpoints: list) -> None:
    """Append one anchor line per checkpoint and flush it to disk.

    Called by the sealer while it holds the chain lock, before its transaction commits: a seal
    whose anchor cannot be written is rolled back, so no checkpoint exists without an anchor.
    (If the commit itself then fails, the anchor names a head that never was; verification
    reports it like a rewrite, to be explained by the operator.)
    """
    key = anchor_key()
    data = "".join(anchor_line(c, key=key) for c in checkpoints).encode("utf-8")
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: every write goes to the end, whatever another writer did meanwhile.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(slots=True)
class Anchor:
    seq: int
    hash: str
    first_seq: int
    line: int


@dataclass
class AnchorFile:
    """The valid anchors of a file, sorted by sequence, and what was wrong with the other lines."""

    path: Path
    exists: bool
    anchors: list[Anchor] = field(default_factory=list)
    problems: list[tuple[int, int | None, str]] = field(default_factory=list)  # (line, seq or None, kind)


def read_anchors(path: Path | None = None) -> AnchorFile:
    """Parse and authenticate every line; invalid lines are reported, never trusted."""
    path = Path(path) if path is not None else anchor_path()
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return AnchorFile(path, exists=False)
    key = anchor_key()
    result = AnchorFile(path, exists=True)
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
                seq, first_seq, mac = entry["seq"], entry["first_seq"], entry["hmac"]
                if not (isinstance(seq, int) and isinstance(first_seq, int) and 0 < first_seq <= seq):
                    raise ValueError(seq)
                if not isinstance(entry["hash"], str) or not isinstance(mac, str):
                    raise ValueError(mac)
                expected = _mac(key, entry)
            except (ValueError, KeyError, TypeError, AttributeError):  # JSONDecodeError, UnicodeDecodeError
                result.problems.append((number, None, "unreadable"))
                continue
            if not hmac.compare_digest(mac, expected):
                result.problems.append((number, seq, "bad_hmac"))
                continue
            result.anchors.append(Anchor(seq, entry["hash"], first_seq, number))
    result.anchors.sort(key=lambda a: (a.seq, a.line))
    return result
