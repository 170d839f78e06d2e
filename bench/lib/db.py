"""Setting up a benchmark's database: create it (its name must contain 'bench'), set up Django on it and migrate, load
the demo network through the services, write rows with COPY."""

from __future__ import annotations

import os
import random
import time
from urllib.parse import urlparse


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to load benchmark data into {name!r}: the database name must contain 'bench'")
    admin = psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "0")  # no query log on every cursor: it would skew the timings
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_network(seed: int) -> None:
    from django.db import transaction
    from faker import Faker

    from demo import network as demo
    from partners.models import Organisation

    if Organisation.objects.exists():
        return
    started = time.perf_counter()
    faker = Faker("it_IT")
    faker.seed_instance(seed)
    with transaction.atomic():
        demo.load_network(rng=random.Random(seed), faker=faker)
    print(f"demo network loaded through the services in {time.perf_counter() - started:.1f} s")


def copy_rows(table: str, columns: list[str], rows) -> int:
    from django.db import connection

    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def close_before_fork() -> None:
    """Close this process's connections and its connection pools (DB_POOL, ADR 0012) before forking workers: a
    forked child must open its own, never share the parent's pooled sockets (their transaction states mix up)."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
        close_pool = getattr(connection, "close_pool", None)
        if close_pool is not None:
            close_pool()
