#!/usr/bin/env bash
# Restore a backup of ops/backup.sh into an EMPTY database (DATABASE_URL) and the configured document storage,
# then check that every document the database refers to is stored.
#   createdb tavolo_restore
#   DATABASE_URL=postgres://.../tavolo_restore ops/restore.sh tavolo-….dump documents-….tar.gz
set -euo pipefail
dump=${1:?usage: ops/restore.sh DUMP ARCHIVE}
archive=${2:?usage: ops/restore.sh DUMP ARCHIVE}
root=$(cd "$(dirname "$0")/.." && pwd)
python=${TAVOLO_PYTHON:-$root/.venv/bin/python}
: "${DATABASE_URL:?DATABASE_URL must name the (empty) PostgreSQL database to restore into}"
dump=$(realpath "$dump")
archive=$(realpath "$archive")
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$DATABASE_URL" "$dump"
cd "$root"
"$python" manage.py migrate --check >/dev/null || { echo "the restored database misses migrations of this release: run manage.py migrate"; }
"$python" manage.py documents_restore "$archive"
