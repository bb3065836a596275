"""Demo step for the catalog app (run by `seed_demo`): the reference catalogs."""

from apps.catalog.management.commands.load_catalogs import load_reference_catalogs


def seed(stdout) -> None:
    for filename, what in load_reference_catalogs():
        stdout.write(f"{filename}: {what}")
