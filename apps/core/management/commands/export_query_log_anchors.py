from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from apps.core.anchors import anchor_path, read_anchors


class Command(BaseCommand):
    help = (
        "Print the query-log anchors (one HMAC-signed JSON line per checkpoint) for the auditor to keep "
        "off the machine; check the chain against such a copy later with "
        "`verify_query_log --anchor-file COPY`. Exits non-zero when a line fails its HMAC check."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since-seq", type=int, default=0, help="only anchors of sequence numbers above this")
        parser.add_argument("--output", type=Path, help="write to this file instead of standard output")

    def handle(self, *args, since_seq, output, **options):
        try:
            anchors = read_anchors()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if not anchors.exists:
            raise CommandError(f"no anchor file at {anchor_path()}")
        wanted = {a.line for a in anchors.anchors if a.seq > since_seq}
        # The lines exactly as written: their HMAC covers them, so the copy is checked with the key alone.
        lines = []
        with anchors.path.open("rb") as source:
            for number, raw in enumerate(source, start=1):
                if number in wanted:
                    lines.append(raw.decode("utf-8").rstrip("\n") + "\n")
        if output is not None:
            try:
                with output.open("x", encoding="utf-8") as target:  # never overwrite an earlier copy
                    target.writelines(lines)
            except FileExistsError:
                raise CommandError(f"{output} exists; an earlier copy is never overwritten") from None
        else:
            self.stdout.write("".join(lines), ending="")
        last = max((a.seq for a in anchors.anchors), default=0)
        self.stderr.write(f"{len(lines)} anchors exported (chain head at sequence {last}).")
        if anchors.problems:
            listed = ", ".join(f"line {line} ({kind})" for line, _seq, kind in anchors.problems[:10])
            raise CommandError(f"{len(anchors.problems)} anchor lines left out, they fail their check: {listed}")
