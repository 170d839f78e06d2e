"""manage.py documents_restore ARCHIVE — put an archive of documents_backup back into the storage."""

from django.core.management.base import BaseCommand, CommandError

from core import documents


class Command(BaseCommand):
    help = (
        "Restore the files of a documents_backup archive into the configured storage, then check that every "
        "file the database refers to is there. With --check only, restore nothing and just check."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", nargs="?", help="the .tar.gz written by documents_backup")
        parser.add_argument("--overwrite", action="store_true", help="replace files whose bytes differ")
        parser.add_argument("--check", action="store_true", help="only check that every referenced file exists")

    def handle(self, *args, archive=None, overwrite=False, check=False, **options):
        if not check:
            if not archive:
                raise CommandError("give the archive to restore, or --check")
            with open(archive, "rb") as handle:
                outcome = documents.restore(handle, overwrite=overwrite)
            self.stdout.write(
                f"{len(outcome.written)} file(s) restored, {len(outcome.unchanged)} already there, "
                f"{len(outcome.conflicting)} conflicting, {len(outcome.corrupt)} corrupt"
            )
            for name in outcome.conflicting:
                self.stderr.write(f"conflicting (kept the stored one; --overwrite replaces it): {name}")
            for name in outcome.corrupt:
                self.stderr.write(f"corrupt or unsafe member, not restored: {name}")
            if not outcome.ok:
                raise CommandError("the archive was not restored cleanly (listed above)")
        found = documents.check()
        self.stdout.write(f"{len(found.unchanged)} referenced file(s) present, {len(found.missing)} missing")
        for name in found.missing:
            self.stderr.write(f"missing: {name}")
        if not found.ok:
            raise CommandError("some referenced files are missing from the storage (listed above)")
