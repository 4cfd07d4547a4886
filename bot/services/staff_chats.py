"""A staff chat's life: cards posted again once the bot is back in a chat it was removed from."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.ui.notify import Notifier
from db.repo import cards, districts
from db.repo import staff as staff_repo

#: Open requests read per query while looking for missing cards.
BATCH = 500


async def post_missing_cards(session: AsyncSession, settings: Settings, notify: Notifier, chat_id: int) -> int:
    """Queue a card for every open request routed to `chat_id` that no message there shows (its card
    could not be posted while the bot was away, or was deleted). Returns how many were queued."""
    served = [d.id for d in await districts.served_by(session, chat_id, settings.staff_chat_id) if d.id]
    queued, offset = 0, 0
    while served:
        batch = await staff_repo.open_in_chat(session, served, limit=BATCH, offset=offset)
        for request in batch:
            if not any(view.chat_id == chat_id for view in await cards.views_of(session, request.id or 0)):
                await notify.card(request)
                queued += 1
        if len(batch) < BATCH:
            break
        offset += BATCH
    return queued
