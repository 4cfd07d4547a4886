"""Conversation state rows for the SQL FSM storage.

Hot path: every update reads its chat's state and most write it, so this does not use the ORM: one
SELECT per update (cached in the session), and changes kept in the session until the update's
transaction is about to commit, then written with one INSERT ... ON CONFLICT (flush). On PostgreSQL
both go straight to asyncpg inside the session's transaction (db.engine.asyncpg_of); SQLite (one
writer, small deployments) keeps SQLAlchemy Core."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import asyncpg_of, dialect_insert
from db.models import FsmState

_LOAD = select(FsmState.state, FsmState.data).where(FsmState.key == bindparam("key"))

#: state and data of one conversation, as the storage sees them
Row = dict[str, Any]


async def load(session: AsyncSession, key: str) -> Row | None:
    """The stored state of one conversation with this session's unsaved changes on top (None: none)."""
    stored: dict[str, Row | None] = session.info.setdefault("fsm", {})
    if key not in stored:
        raw = await asyncpg_of(session)
        if raw is not None:
            found = await raw.fetchrow("SELECT state, data FROM fsmstate WHERE key = $1", key)
        else:
            found = (await session.execute(_LOAD, {"key": key})).first()
        stored[key] = _as_stored({"state": found[0], "data": found[1]}) if found else None
    row, pending = stored[key], session.info.get("fsm_pending", {}).get(key)
    if row is None and pending is None:
        return None
    loaded = {"state": row["state"], "data": json.loads(row["data"])} if row else {"state": None, "data": {}}
    return {**loaded, **(pending or {})}


def save(session: AsyncSession, key: str, **values: Any) -> None:
    """Change one conversation's state or data; written by flush() before the session commits."""
    session.info.setdefault("fsm_pending", {}).setdefault(key, {}).update(values)


async def flush(session: AsyncSession) -> None:
    """Write the session's changed conversations, one upsert each (usually one per update); a value
    set to what the row already holds is not written (aiogram re-sets the state on many steps)."""
    pending: dict[str, Row] = session.info.pop("fsm_pending", {})
    stored: dict[str, Row | None] = session.info.setdefault("fsm", {})
    for key, values in pending.items():
        changed = _as_stored(values)
        before = stored.get(key) or {"state": None}
        if all(before.get(name) == value for name, value in changed.items()):
            continue
        raw = await asyncpg_of(session)
        if raw is not None:
            assert set(values) <= {"state", "data"}, values  # column names, from save() only
            columns = ", ".join(f"{name} = EXCLUDED.{name}" for name in sorted(values))
            await raw.execute(f"INSERT INTO fsmstate (key, state, data) VALUES ($1, $2, $3) "
                              f"ON CONFLICT (key) DO UPDATE SET {columns}",
                              key, values.get("state"), changed.get("data", "{}"))
        else:
            statement = dialect_insert(session.bind.dialect.name)(FsmState).values(
                key=key, state=values.get("state"), data=values.get("data", {})
            )
            await session.execute(statement.on_conflict_do_update(index_elements=[FsmState.key], set_=values))
        stored[key] = {"state": None, "data": "{}", **(stored.get(key) or {}), **changed}


def _as_stored(values: Row) -> Row:
    """The values as the row holds them: data as its JSON text, so what the session remembers cannot
    be changed in place by a handler that changes the dict (or its lists) it was given."""
    return {name: json.dumps(value, sort_keys=True) if name == "data" else value for name, value in values.items()}
