"""The connections benchmark's database (bench/connections.py): its own non-superuser role with a CONNECTION
LIMIT, the database that role owns, `make demo`'s data loaded as the role, and the demo users wrk logs in as."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from lib.pg import admin_connection, database_name

ROOT = Path(__file__).resolve().parent.parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]
DEMO_COMMANDS = ["migrate", "demo_network", "demo_workflows", "demo_housing", "demo_employment", "demo_notifications"]


def ensure_role_and_database(args) -> None:
    """The bench's own non-superuser role with its CONNECTION LIMIT, and the database it owns."""
    from psycopg import sql

    name = database_name(args.database_url)
    if "bench" not in name:
        raise SystemExit(f"refusing to load demo data into {name!r}: the database name must contain 'bench'")
    role = sql.Identifier(args.role)
    with admin_connection(args.database_url) as admin:
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [args.role]).fetchone():
            admin.execute(sql.SQL("ALTER ROLE {} CONNECTION LIMIT {}").format(role, sql.Literal(args.connection_limit)))
        else:
            admin.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER CONNECTION LIMIT {}").format(
                    role, sql.Literal(args.connection_limit)
                )
            )
            print(f"created role {args.role}")
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), role))
            print(f"created database {name}, owned by {args.role}")


def load_demo(role_url: str) -> None:
    """`make demo`'s commands, as the role (each does nothing when its data is already there)."""
    env = {**os.environ, "DATABASE_URL": role_url, "DJANGO_ENV": "development", "DEBUG": "0"}
    env.pop("DB_CONN_MAX_AGE", None)
    started = time.perf_counter()
    for command in DEMO_COMMANDS:
        extra = ["--noinput"] if command == "migrate" else []
        subprocess.run(  # noqa: S603 - our own manage.py commands
            [*MANAGE, command, *extra, "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            check=True,
        )
    print(f"demo data ready ({', '.join(DEMO_COMMANDS)}) in {time.perf_counter() - started:.0f} s")


def demo_users(role_url: str, count: int) -> list[str]:
    """Case managers first (their case list is the fullest), then operators."""
    import psycopg

    with psycopg.connect(role_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT u.username FROM auth_user u JOIN partners_membership m ON m.user_id = u.id "
            "JOIN partners_organisation o ON o.id = m.organisation_id "
            "WHERE u.is_active AND m.is_active AND o.is_active AND m.role IN ('case_manager', 'operator') "
            "GROUP BY u.username ORDER BY min(CASE m.role WHEN 'case_manager' THEN 0 ELSE 1 END), u.username "
            "LIMIT %s",
            [count],
        ).fetchall()
    return [row[0] for row in rows]
