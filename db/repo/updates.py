"""Processed and failed update queries (idempotent update handling)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, bindparam, delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import now
from db.engine import dialect_insert
from db.models import FailedUpdate, ProcessedUpdate

#: Built once: a statement object caches its own cache key, and this runs for every update.
_CLAIM = {
    dialect: dialect_insert(dialect)(ProcessedUpdate)
    .values(update_id=bindparam("update_id"), at=bindparam("at"))
    .on_conflict_do_nothing()
    for dialect in ("postgresql", "sqlite")
}


#: PostgreSQL: the same insert, made only once the transaction holds the advisory lock of the update's
#: conversation, so one chat's updates run one after the other across connections and processes (its
#: next update reads the conversation only after this one committed). Held until COMMIT or ROLLBACK.
_chat_lock = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger))).subquery("chat_lock")
_CLAIM_SERIAL = (
    pg_insert(ProcessedUpdate)
    .from_select(
        ["update_id", "at"],
        select(bindparam("update_id", type_=BigInteger), bindparam("at", type_=ProcessedUpdate.__table__.c.at.type))  # type: ignore[attr-defined]
        .select_from(_chat_lock),
    )
    .on_conflict_do_nothing()
)


def _lock_key(chat_id: int, user_id: int) -> int:
    """A signed 64-bit advisory-lock key for one user in one chat (a collision only serialises more)."""
    mixed = (chat_id * 1_000_000_007 + user_id) & 0xFFFF_FFFF_FFFF_FFFF
    return mixed - (1 << 64) if mixed >= 1 << 63 else mixed


async def claim(session: AsyncSession, update_id: int, conversation: tuple[int, int] | None = None) -> bool:
    """Record the update first thing in its transaction; False when it was already handled. One round
    trip instead of a look-up and an insert, and a concurrent duplicate waits on the key, then skips.

    With the update's conversation (chat id, user id), on PostgreSQL the claim waits for that
    conversation's previous update to commit. SQLite needs no lock: its writers already take turns,
    and this insert is the transaction's first statement."""
    dialect = session.bind.dialect.name
    connection = await session.connection()  # Core execution: the ORM would take the dict for a bulk insert
    params: dict[str, Any] = {"update_id": update_id, "at": now()}
    if conversation is not None and dialect == "postgresql":
        return (await connection.execute(_CLAIM_SERIAL, {**params, "key": _lock_key(*conversation)})).rowcount == 1
    return (await connection.execute(_CLAIM[dialect], params)).rowcount == 1


async def record_failure(session: AsyncSession, update_id: int, payload: dict[str, Any], error: str, retry_at: datetime, max_attempts: int) -> FailedUpdate:
    """Keep a failed update for a retry; count attempts and give up after max_attempts."""
    row = (await session.exec(select(FailedUpdate).where(FailedUpdate.update_id == update_id))).first()
    if row is None:
        row = FailedUpdate(update_id=update_id, payload=payload, error=error, next_attempt_at=retry_at)
    else:
        row.attempts += 1
        row.error, row.next_attempt_at = error, retry_at
    row.gave_up = row.attempts >= max_attempts
    session.add(row)
    return row


async def due_failures(session: AsyncSession, now: datetime, limit: int = 20) -> list[FailedUpdate]:
    """Failed updates whose retry time has come."""
    query = (
        select(FailedUpdate)
        .where(col(FailedUpdate.gave_up).is_(False), col(FailedUpdate.next_attempt_at) <= now)
        .order_by(col(FailedUpdate.update_id))
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def forget_failure(session: AsyncSession, update_id: int) -> None:
    """Drop the failure record once the update went through."""
    await session.execute(delete(FailedUpdate).where(col(FailedUpdate.update_id) == update_id))
