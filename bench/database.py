"""The bench's own database: never the app's. A SQLite file by default, or a PostgreSQL
database named by BENCH_DATABASE_URL that the bench creates (and drops to rebuild)."""

import os
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_URL = f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def _sqlite_path(url: str) -> Path:
    import dj_database_url

    return Path(dj_database_url.parse(url)["NAME"])


def _postgres_admin(url: str):
    """A connection to the server's maintenance database, in autocommit (CREATE/DROP DATABASE need it)."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    return config["NAME"], psycopg.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=True,
    )


def ensure_exists(url: str) -> None:
    if is_sqlite(url):
        _sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
        return
    from psycopg import sql

    name, admin = _postgres_admin(url)
    with admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def recreate(url: str) -> None:
    """Throw the bench database away and start empty (faster than deleting 100,000 append-only rows)."""
    from django.db import connections

    connections.close_all()
    if is_sqlite(url):
        path = _sqlite_path(url)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from psycopg import sql

    name, admin = _postgres_admin(url)
    with admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def for_scale(url: str, scale: int) -> str:
    """The database of one dataset size: the named one at 1×, a sibling at other sizes
    (procurement_bench_x10, bench-x10.sqlite3), so each size is built once and reused."""
    if scale == 1:
        return url
    if is_sqlite(url):
        path = _sqlite_path(url)
        return f"sqlite:///{path.with_name(f'{path.stem}-x{scale}{path.suffix}')}"
    parts = urlsplit(url)
    return parts._replace(path=f"{parts.path.rstrip('/')}_x{scale}").geturl()


def use(url: str) -> None:
    """Point this process's connection at another bench database (only the name differs)."""
    import dj_database_url
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = dj_database_url.parse(url)["NAME"]


def describe(url: str) -> str:
    if is_sqlite(url):
        return f"SQLite {_sqlite_path(url)}"
    parts = urlsplit(url)
    return f"PostgreSQL {parts.hostname}:{parts.port or 5432}{parts.path}"


@contextmanager
def scratch_copy(url: str):
    """A PostgreSQL copy of the bench database for a run that writes (the load test), dropped
    afterwards: the measured dataset stays as built, and append-only audit events written
    under load do not pile up in it run after run. Yields the copy's URL."""
    from django.db import connections
    from psycopg import sql

    name, admin = _postgres_admin(url)
    copy = f"{name}_scratch"
    connections.close_all()  # CREATE DATABASE ... TEMPLATE needs the template unused
    with admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(copy), sql.Identifier(name))
        )
    parts = urlsplit(url)
    default = connections["default"]
    original = default.settings_dict["NAME"]
    default.settings_dict["NAME"] = copy  # this process's own writes (the load test's setup) go there too
    try:
        yield parts._replace(path=f"/{copy}").geturl()
    finally:
        connections.close_all()
        default.settings_dict["NAME"] = original
        _, admin = _postgres_admin(url)
        with admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))
