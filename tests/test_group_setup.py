"""A coordinator adds the bot to a group: it says the group's chat id and how to route requests there."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import COORDINATOR_ID, Harness
from tests.helpers import staff_messages, visible_text

NEW_GROUP = -1003000000333
VOLUNTEERS = ("• To make it a district's volunteers' chat instead, a coordinator sends <code>/volunteerchat CODE</code> "
              "here.")
HELLO = (
    "👋 Hello! This group's chat id is <code>{chat_id}</code>.\n\n"
    "• To make it the main staff group, set <code>STAFF_CHAT_ID={chat_id}</code> in the bot's .env "
    "and restart the bot.\n"
    "• To send one district's requests here, a coordinator sends <code>/route CODE</code> in this group.\n\n"
    "Make the bot an admin of the group so that it can read commands; then everyone on the team sends /join here once."
)


def membership(harness: Harness, chat_id: int, old: str, new: str) -> dict[str, Any]:
    """Telegram's my_chat_member update: the coordinator changed the bot's status in a group."""
    bot = {"id": harness.fake.bot_id, "is_bot": True, "first_name": "Doorstep", "username": harness.fake.bot_username}
    coordinator = {"id": COORDINATOR_ID, "is_bot": False, "first_name": "Coordinator"}
    chat = {"id": chat_id, "title": "Chengdu station", "type": "supergroup"}
    harness.fake.register_chat(chat)
    status = {"member": {}, "administrator": {"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
              "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
              "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
              "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
              "can_send_welcome_messages": False}, "left": {}}
    return {"my_chat_member": {
        "chat": chat, "from": coordinator, "date": int(time.time()),
        "old_chat_member": {"status": old, "user": bot, **status[old]},
        "new_chat_member": {"status": new, "user": bot, **status[new]},
    }}


async def test_bot_added_to_a_group_posts_its_chat_id(harness: Harness) -> None:
    """Chengdu: the coordinator adds the bot to the station's new group and reads the id there, in the
    staff language (zh); making the bot an admin afterwards does not repeat it."""
    update_id = harness.fake.push_update(membership(harness, NEW_GROUP, "left", "member"))
    await harness.fake.wait_processed(update_id)
    await harness.drain()
    (hello,) = staff_messages(harness, NEW_GROUP)
    assert hello.text == visible_text("zh", HELLO, chat_id=NEW_GROUP) + "\n\n" + visible_text("zh", VOLUNTEERS)
    assert str(NEW_GROUP) in hello.text

    update_id = harness.fake.push_update(membership(harness, NEW_GROUP, "member", "administrator"))
    await harness.fake.wait_processed(update_id)
    await harness.drain()
    assert len(staff_messages(harness, NEW_GROUP)) == 1
