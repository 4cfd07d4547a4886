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
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import asyncpg_of
from db.models import FsmState

_LOAD = select(FsmState.state, FsmState.data).where(FsmState.key == bindparam("key"))

#: state and data of one conversation, as the storage sees them
Row = dict[str, Any]


async def load(session: AsyncSession, key: str) -> Row | None:
    """The stored state of one conversation with this session's unsaved changes on top (None: none)."""
    cache: dict[str, Row | None] = session.info.setdefault("fsm", {})
    if key not in cache:
        raw = await asyncpg_of(session)
        if raw is not None:
            found = await raw.fetchrow("SELECT state, data FROM fsmstate WHERE key = $1", key)
        else:
            found = (await session.execute(_LOAD, {"key": key})).first()
        cache[key] = {"state": found[0], "data": dict(found[1])} if found else None
        if found:
            session.info.setdefault("fsm_stored", {})[key] = _as_stored({"state": found[0], "data": found[1]})
    pending: Row | None = session.info.get("fsm_pending", {}).get(key)
    if pending is None:
        return cache[key]
    return {"state": None, "data": {}, **(cache[key] or {}), **pending}


def save(session: AsyncSession, key: str, **values: Any) -> None:
    """Change one conversation's state or data; written by flush() before the session commits."""
    session.info.setdefault("fsm_pending", {}).setdefault(key, {}).update(values)


async def flush(session: AsyncSession) -> None:
    """Write the session's changed conversations, one upsert each (usually one per update)."""
    pending: dict[str, Row] = session.info.pop("fsm_pending", {})
    for key, values in pending.items():
        if _as_stored(values) == {name: session.info.get("fsm_stored", {}).get(key, {}).get(name) for name in values}:
            continue  # set to what it already holds (aiogram re-sets the state on many steps)
        raw = await asyncpg_of(session)
        row = (key, values.get("state"), values.get("data", {}))
        if raw is not None:
            assert set(values) <= {"state", "data"}, values  # column names, from save() only
            changed = ", ".join(f"{name} = EXCLUDED.{name}" for name in sorted(values))
            await raw.execute(f"INSERT INTO fsmstate (key, state, data) VALUES ($1, $2, $3) "
                              f"ON CONFLICT (key) DO UPDATE SET {changed}", row[0], row[1], json.dumps(row[2]))
        else:
            insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
            statement = insert(FsmState).values(key=row[0], state=row[1], data=row[2])
            await session.execute(statement.on_conflict_do_update(index_elements=[FsmState.key], set_=values))
        cached = session.info.get("fsm", {}).get(key)
        session.info.setdefault("fsm", {})[key] = {"state": None, "data": {}, **(cached or {}), **values}
        session.info.setdefault("fsm_stored", {}).setdefault(key, {}).update(_as_stored(values))


def _as_stored(values: Row) -> Row:
    """What the row holds for these values, to compare with: data as its JSON text, since a handler may
    change nested lists in place in the dict it was given."""
    return {name: json.dumps(value, sort_keys=True) if name == "data" else value for name, value in values.items()}
