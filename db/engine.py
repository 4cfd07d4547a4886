"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


async def asyncpg_of(session: AsyncSession) -> Any | None:
    """The asyncpg connection under the session's open PostgreSQL transaction, else None.

    For the few statements every update runs (its resident, its conversation state): SQLAlchemy's own
    work per statement costs several times the round trip there (README, "How it is built"). Only once the
    session has begun its transaction with a statement of its own (None before, so callers fall back
    to SQLAlchemy and never run outside the transaction by mistake)."""
    if session.bind.dialect.name != "postgresql":
        return None
    transaction = session.get_transaction()
    if transaction is None:
        return None
    cached = session.info.get("asyncpg")
    if cached is not None and cached[0] is transaction:
        return cached[1]
    fairy = await (await session.connection()).get_raw_connection()
    if getattr(fairy.dbapi_connection, "_transaction", None) is None:  # SQLAlchemy has not sent BEGIN yet
        return None
    session.info["asyncpg"] = (transaction, fairy.driver_connection)
    return fairy.driver_connection


#: Execution option of make_reader's engine: SQLite begins its transactions deferred.
READ_ONLY = "doorstep_read_only"


def dialect_insert(dialect: str) -> Any:
    """The INSERT construct with ON CONFLICT of a dialect ("postgresql" or "sqlite")."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def is_sqlite(url: str) -> bool:
    """Whether a database URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


#: The oldest SQLite the outbox's one-statement lease runs on (UPDATE … RETURNING came in 3.35, 2021).
SQLITE_AT_LEAST = (3, 35, 0)


class SQLiteTooOld(RuntimeError):
    """The Python's SQLite library is older than SQLITE_AT_LEAST; the message says which it is."""


def make_engine(url: str, pool_size: int = 10, sqlite_version: tuple[int, int, int] = sqlite3.sqlite_version_info) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, foreign keys and a busy timeout. Raises SQLiteTooOld for a
    SQLite URL when `sqlite_version` (the library Python is linked with) is older than SQLITE_AT_LEAST."""
    if is_sqlite(url) and sqlite_version < SQLITE_AT_LEAST:
        raise SQLiteTooOld(
            f"SQLite {'.'.join(map(str, sqlite_version))} is too old: Doorstep needs {'.'.join(map(str, SQLITE_AT_LEAST))} "
            "or newer (UPDATE … RETURNING). Use a newer Python/SQLite or PostgreSQL (docs/deployment.md)."
        )
    if not is_sqlite(url):
        # No pre-ping: a round trip per transaction; a dead connection fails one update, which is retried.
        # pool_size covers the steady load (see create_app): overflow connections are opened and closed
        # each time, and opening one (with asyncpg's SSL attempt) costs more than the update it serves.
        return create_async_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=False)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (savepoints work)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn) -> None:  # type: ignore[no-untyped-def]
        # Take the write lock up front: a deferred transaction that reads and then writes
        # fails at once with "database is locked" when another connection wrote meanwhile.
        # Read-only sessions (make_reader) take no write lock: WAL lets them read beside the writer.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory; objects stay usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def make_reader(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory for work that only reads (metrics, due lists): on SQLite its transactions are
    deferred, so they never wait for nor hold the write lock; it must not write."""
    return make_sessionmaker(engine.execution_options(**{READ_ONLY: True}))
