"""Load the reference catalogs (fixtures/catalogs/*.json): the national base catalog excerpt,
the measure list and the exemption list. Idempotent: a list already present is left alone."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.catalog.models import Catalog, ExemptionList, MeasureList
from apps.catalog.services import reference_list_load

FILES = [
    ("national_catalog.json", Catalog),
    ("measure_list.json", MeasureList),
    ("exemption_list.json", ExemptionList),
]
DIRECTORY = Path(settings.BASE_DIR) / "fixtures" / "catalogs"


def load_reference_catalogs() -> list[tuple[str, str]]:
    done = []
    for filename, model in FILES:
        path = DIRECTORY / filename
        data = json.loads(path.read_text(encoding="utf-8"))
        document = reference_list_load(model, data, source=f"fixtures/catalogs/{filename}")
        done.append((filename, f"loaded {document}" if document else "already present"))
    return done


class Command(BaseCommand):
    help = "Load the reference catalog, measure list and exemption list (idempotent)."

    def handle(self, *args, **options):
        for filename, what in load_reference_catalogs():
            self.stdout.write(f"{filename}: {what}")
