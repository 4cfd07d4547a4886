"""Feature routers, one module per feature; residents are served in private chats only."""

from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from aiogram import F, Router
from aiogram.dispatcher.event.handler import CallableObject

from handlers import (
    checkins,
    danger,
    edits,
    fallback,
    feedback,
    followups,
    groups,
    intake,
    medicines,
    my_requests,
    notices,
    profile,
    registration,
    reports,
    split,
    staff,
    staff_private,
    start,
    volunteers,
)


def _detached(*routers: Router) -> tuple[Router, ...]:
    """Feature routers freed from an earlier build: create_app may run twice in a process (restart, tests)."""
    for router in routers:
        router._parent_router = None  # aiogram refuses to attach a router twice
    return routers


def build_router() -> Router:
    """The staff group's router, then the residents' (private chats only, fallback last), then an answer
    to any button press nobody took, in any chat."""
    root = Router(name="root")
    residents = Router(name="residents")
    residents.message.filter(F.chat.type == "private")
    residents.callback_query.filter(F.message.chat.type == "private")
    residents.edited_message.filter(F.chat.type == "private")
    residents.message.outer_middleware(danger.DangerCheck())  # every text and caption, at every step
    residents.edited_message.outer_middleware(danger.DangerCheck())  # and every edit of one
    residents.include_routers(*_detached(
        danger.router, start.router, notices.residents_router, split.router, registration.router, intake.router,
        my_requests.router, profile.router, medicines.router, feedback.router, checkins.router, followups.router,
        edits.router,
    ))
    residents.include_routers(*_detached(fallback.router))
    # The features that answer messages and presses only in group chats, behind one check of the chat's
    # type: a resident's update skips all of them at once instead of being offered to each (aiogram
    # visits a router per update for about 14 µs even when its own filter refuses; other update types,
    # such as chat_member, go through unchanged).
    group_chats = Router(name="group_chats")
    group_chats.message.filter(F.chat.type.in_({"group", "supergroup"}))
    group_chats.callback_query.filter(F.message.chat.type.in_({"group", "supergroup"}))
    group_chats.include_routers(*_detached(
        staff.setup_router, volunteers.setup, reports.router, notices.router, medicines.staff_router,
        volunteers.staff_router, staff.router,
    ))
    root.include_routers(*_detached(
        group_chats, staff_private.router, groups.router, volunteers.private, volunteers.deliveries,
    ), residents)
    root.include_routers(*_detached(fallback.unanswered))
    inline_sync_callables(root)
    return root


def _coroutine(function: Callable[..., Any]) -> Callable[..., Any]:
    """The same function, awaitable."""
    @wraps(function)
    async def call(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)
    return call


def callables(root: Router) -> Iterator[CallableObject]:
    """Every filter and handler aiogram may call for updates reaching this router tree."""
    for router in root.chain_tail:
        for observer in router.observers.values():
            yield from observer._handler.filters or ()  # the router-level .filter(...)
            for handler in observer.handlers:
                yield handler
                yield from handler.filters or ()


def inline_sync_callables(root: Router) -> None:
    """Run plain-function filters (every `F.text == ...`) on the event loop instead of a worker thread.

    aiogram 3 awaits each synchronous filter or handler through asyncio.to_thread: about six thread
    hand-offs per update in this bot, each far dearer than the attribute comparison it runs, and the
    threads contend for the GIL with the loop. Ours are all pure and quick, so they are made awaitable
    here; the signature aiogram read for their keyword arguments stays the same.
    """
    for obj in callables(root):
        if not obj.awaitable:
            obj.callback, obj.awaitable = _coroutine(obj.callback), True
