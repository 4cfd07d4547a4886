"""What the request wizard's steps share: the wizard's name, a draft from a typed list, photos and
voice messages kept with the draft."""

from __future__ import annotations

from aiogram.types import Message

from bot.domain.draft import Draft
from bot.domain.items import parse_items
from bot.ui.flow import Wizard
from bot.ui.wizard import engine

#: the name the request wizard's steps share (Step.wizard)
REQUEST = "request"
#: photos kept with one request (a Telegram album has up to 10)
PHOTOS_MAX = 20


def items_draft(text: str) -> dict[str, object]:
    """A typed list as draft fields: parsed items and the text as written."""
    items = parse_items(text)
    return {"items": [(i.name, i.quantity) for i in items], "raw_items": text.strip()}


async def add_voice(wizard: Wizard, message: Message) -> Draft:
    """Keep a voice message's file id with the draft."""
    assert message.voice is not None
    draft = await engine.draft(wizard)
    return await engine.save(wizard, draft.changed(voices=[*draft.voices, message.voice.file_id]))


def image_of(message: Message) -> str | None:
    """The file id of a photo (its largest size) or of an image sent as a file."""
    if message.photo:
        return message.photo[-1].file_id
    if message.document and (message.document.mime_type or "").startswith("image/"):
        return message.document.file_id
    return None


async def add_photo(wizard: Wizard, file_id: str) -> None:
    """Keep one more photo with the draft (at most PHOTOS_MAX)."""
    draft = await engine.draft(wizard)
    if len(draft.photos) < PHOTOS_MAX:
        await engine.save(wizard, draft.changed(photos=[*draft.photos, file_id]))


async def take_photo(wizard: Wizard, message: Message) -> None:
    """Keep a photo with the draft; the first of an album marks the album, whose further photos then
    join silently (handlers/intake.LaterAlbumPhoto)."""
    file_id = image_of(message)
    assert file_id is not None
    await add_photo(wizard, file_id)
    if message.media_group_id:
        await wizard.state.update_data(photo_album=message.media_group_id)
