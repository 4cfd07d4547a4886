"""A staff chat's life: cards posted again once the bot is back in a chat it was removed from."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.services.decisions import Batch, CardChanged
from db.repo import cards, districts
from db.repo import staff as staff_repo

#: Open requests read per query while looking for missing cards.
BATCH = 500


async def post_missing_cards(session: AsyncSession, settings: Settings, chat_id: int) -> Batch:
    """A card for every open request routed to `chat_id` that no message there shows (its card could
    not be posted while the bot was away, or was deleted): how many, and the cards to tell."""
    served = [d.id for d in await districts.served_by(session, chat_id, settings.staff_chat_id) if d.id]
    missing, offset = Batch(), 0
    while served:
        batch = await staff_repo.open_in_chat(session, served, limit=BATCH, offset=offset)
        for request in batch:
            if not any(view.chat_id == chat_id for view in await cards.views_of(session, request.id or 0)):
                missing.told.append(CardChanged(request))
                missing.count += 1
        if len(batch) < BATCH:
            break
        offset += BATCH
    return missing
