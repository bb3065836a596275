"""What happens to credit records, told to the apps built on this one (DESIGN.md section 3: apps
tell each other what happened through named events, never through each other's models).

Django signals, sent synchronously inside the writer's transaction (a receiver that fails rolls
the whole change back); receivers connect in their app's `ready()`.

- `record_created(sender=CreditRecord, records=[…])`: records were filed, one by one or in a batch
  (the sanctions app ends a key-attention entry on a new dishonest record, Nanjing art. 37).
- `record_status_changed(sender=CreditRecord, records=[…], status=…, by=…, reason=…)`: records
  took a new status (repaired, revoked, hidden, expired …), or their objection mark was set or
  removed (`status` is then the unchanged status; the record's `objection_since` tells). Every
  step of `record_workflow` sends it, the daily expiry and a rule change's recompute in bulk.
- `disclosure_extensions(sender=CreditRecord, subject_ids=[…])`: a question, not a notice: each
  receiver returns {subject id: last day} for subjects whose dishonest records stay disclosed
  longer (the sanctions app: while on the serious list, Nanjing art. 56, Dalian art. 35, Ningbo
  art. 22). Asked once per batch chunk, not once per record; `subject_ids` is a list, or a query
  of ids (a QuerySet or `RawSQL`, usable in `__in`) for a whole batch on PostgreSQL.
- `credit_file_panels(sender=Subject, subject=…, lookup=…, user=…)`: a question asked when a
  credit file page is shown (the lookup already logged): each receiver returns a `FilePanel`
  (a heading, a template and its rows) or None; the page shows them after the commitments (the
  repair app: the interviews the agencies held, for officers, Tianjin art. 44).
- `public_file_panels(sender=Subject, subject=…)`: a question asked when the public portal shows
  an organisation's page (the lookup already logged): each receiver returns a `FilePanel` of what
  it publishes about the subject, or None (the sanctions app: its entries on the published lists).
- `public_file_presence(sender=Subject, today=…)`: asked once per process, when the portal
  compiles its read of an organisation: each receiver that answers `public_file_panels` may return
  `(name, expression)`, an `Exists` over `OuterRef("pk")` true when its panel has rows today; the
  organisation read carries it as the attribute `name`, so that the receiver reads its rows only
  where it is true (on most pages every panel is empty: a statement each saved).
- `record_links(sender=CreditRecord, record=…, user=…)`: a question asked when a record's page is
  shown (the lookup already logged): each receiver returns `RecordLinks` (a heading and the cases
  resting on the record that `user` may see: the sanctions app its listing cases, the repair app
  its applications) or None.
"""

from dataclasses import dataclass, field

from django.dispatch import Signal

record_created = Signal()
record_status_changed = Signal()
disclosure_extensions = Signal()
credit_file_panels = Signal()
public_file_panels = Signal()
public_file_presence = Signal()
record_links = Signal()


@dataclass(frozen=True)
class FilePanel:
    """A section another app adds to the credit file page (`credit_file_panels`)."""

    title: str
    template: str
    rows: list = field(default_factory=list)


@dataclass(frozen=True)
class RecordLink:
    text: str
    url: str
    status: str = ""


@dataclass(frozen=True)
class RecordLinks:
    """Cases of another app that rest on a record, for the record's page (`record_links`)."""

    title: str
    rows: list[RecordLink] = field(default_factory=list)
