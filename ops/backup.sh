#!/usr/bin/env bash
# Back up one Tavolo installation: the PostgreSQL database (pg_dump, custom format) and then every stored document
# the database refers to (local folder or S3, through `manage.py documents_backup`), into DEST_DIR, readable by the
# running user only. Run it with the installation's environment (DATABASE_URL and the storage variables).
#   ops/backup.sh /var/backups/tavolo
# The dump is taken first: a document uploaded while the backup runs is in the archive but not referred to by the
# dump, which is harmless. Encrypt and copy DEST_DIR off the host (the files hold special-category data).
set -euo pipefail
dest=${1:?usage: ops/backup.sh DEST_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
python=${TAVOLO_PYTHON:-$root/.venv/bin/python}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database}"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
umask 077
mkdir -p "$dest"
pg_dump --format=custom --no-owner --no-privileges --file "$dest/tavolo-$stamp.dump" "$DATABASE_URL"
(cd "$root" && "$python" manage.py documents_backup "$dest/documents-$stamp.tar.gz")
echo "$dest/tavolo-$stamp.dump"
echo "$dest/documents-$stamp.tar.gz"
