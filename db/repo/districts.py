"""District queries."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel.ext.asyncio.session import AsyncSession
from sqlalchemy import update
from sqlmodel import col, select

from db.models import CardView, ChatMigration, District, Staff, StaffChat


async def sync(session: AsyncSession, configured: Iterable[tuple[str, str, int | None, int | None]]) -> None:
    """Insert or update districts from (code, name, staff_chat_id, topic_id); a configured chat wins."""
    existing = {d.code: d for d in (await session.exec(select(District))).all()}
    for code, name, chat_id, topic_id in configured:
        row = existing.get(code) or District(code=code, name=name)
        row.name = name
        if chat_id is not None:
            row.staff_chat_id, row.topic_id = chat_id, topic_id
        session.add(row)


async def sync_volunteer_chats(session: AsyncSession, configured: Iterable[tuple[str, int | None, int | None]]) -> None:
    """Set each district's volunteers' chat from (code, volunteer_chat_id, volunteer_topic_id) where one is
    configured (a configured chat wins; the others keep the chat a coordinator bound with /volunteerchat)."""
    existing = {d.code: d for d in (await session.exec(select(District))).all()}
    for code, chat_id, topic_id in configured:
        row = existing.get(code)
        if row is not None and chat_id is not None:
            row.volunteer_chat_id, row.volunteer_topic_id = chat_id, topic_id
            session.add(row)


async def bind_volunteer_chat(session: AsyncSession, district: District, chat_id: int, topic_id: int | None) -> None:
    """Deliveries of a district go to this group (and forum topic) of volunteers."""
    district.volunteer_chat_id, district.volunteer_topic_id = chat_id, topic_id
    session.add(district)


async def all_districts(session: AsyncSession) -> list[District]:
    """Every district, by code."""
    return list((await session.exec(select(District).order_by(District.code))).all())


async def by_code(session: AsyncSession, code: str) -> District | None:
    """A district by its code."""
    return (await session.exec(select(District).where(District.code == code))).first()


async def by_id(session: AsyncSession, district_id: int | None) -> District | None:
    """A district by id (None for None)."""
    return await session.get(District, district_id) if district_id is not None else None


async def migrate_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """Remember a group's new supergroup id and move the districts routed to it."""
    if await session.get(ChatMigration, old_chat_id) is None:
        session.add(ChatMigration(old_chat_id=old_chat_id, new_chat_id=new_chat_id))
    for row in (await session.exec(select(District).where(District.staff_chat_id == old_chat_id))).all():
        row.staff_chat_id = new_chat_id
        session.add(row)
    for member in (await session.exec(select(Staff).where(Staff.chat_id == old_chat_id))).all():
        member.chat_id = new_chat_id  # the chat's staff stay staff (and on duty) in the supergroup
        session.add(member)
    chat = await session.get(StaffChat, old_chat_id)
    if chat is not None and await session.get(StaffChat, new_chat_id) is None:
        session.add(StaffChat(chat_id=new_chat_id, locale=chat.locale))  # and the chat keeps its language
    # Cards shown in the old group cannot be edited from the supergroup: they are no longer re-drawn
    # (kept like pickers), so the next change of each request posts a fresh card where the staff now
    # are; a press on an old card still counts for the request it shows.
    await session.execute(update(CardView).where(col(CardView.chat_id) == old_chat_id).values(picker=True))


async def resolve_chat(session: AsyncSession, chat_id: int) -> int:
    """The current id of a staff chat, following supergroup migrations."""
    for _ in range(5):
        moved = await session.get(ChatMigration, chat_id)
        if moved is None:
            break
        chat_id = moved.new_chat_id
    return chat_id


async def route(session: AsyncSession, district: District, chat_id: int, topic_id: int | None) -> None:
    """Send a district's requests to a chat (and forum topic)."""
    district.staff_chat_id, district.topic_id = chat_id, topic_id
    session.add(district)


async def served_by(session: AsyncSession, chat_id: int, default_chat_id: int) -> list[District]:
    """The districts whose requests go to a chat (unrouted ones go to the default chat)."""
    rows = await all_districts(session)
    default = await resolve_chat(session, default_chat_id)
    return [d for d in rows if (await resolve_chat(session, d.staff_chat_id) if d.staff_chat_id else default) == chat_id]


async def staff_chat_ids(session: AsyncSession, default_chat_id: int) -> set[int]:
    """Every chat that is a staff chat."""
    rows = await all_districts(session)
    return {await resolve_chat(session, chat) for chat in [default_chat_id, *(d.staff_chat_id for d in rows if d.staff_chat_id)]}


async def is_staff_chat(session: AsyncSession, chat_id: int, default_chat_id: int) -> bool:
    """Whether a chat receives some district's requests."""
    return chat_id in await staff_chat_ids(session, default_chat_id)
