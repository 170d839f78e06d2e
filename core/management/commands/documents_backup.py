"""manage.py documents_backup ARCHIVE — every stored file the database refers to, into a .tar.gz."""

from django.core.management.base import BaseCommand, CommandError

from core import documents


class Command(BaseCommand):
    help = "Archive every stored document the database refers to (local folder or S3) into a .tar.gz file."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="path of the .tar.gz to write (an existing file is never overwritten)")

    def handle(self, *args, archive, **options):
        try:
            handle = open(archive, "xb")  # noqa: SIM115 (closed below) - "x": never overwrite an earlier backup
        except OSError as exc:
            raise CommandError(f"cannot write {archive}: {exc.strerror}") from exc
        with handle:
            outcome = documents.backup(handle)
        self.stderr.write(f"{len(outcome.written)} file(s) archived, {len(outcome.missing)} missing")
        for name in outcome.missing:
            self.stderr.write(f"missing: {name}")
        if not outcome.ok:
            raise CommandError("some referenced files are missing from the storage (listed above)")
