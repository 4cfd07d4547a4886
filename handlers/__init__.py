"""Feature routers, one module per feature; residents are served in private chats only."""

from aiogram import F, Router

from handlers import (
    checkins,
    feedback,
    fallback,
    intake,
    my_requests,
    profile,
    registration,
    staff,
    staff_private,
    start,
)


def _detached(*routers: Router) -> tuple[Router, ...]:
    """Feature routers freed from an earlier build: create_app may run twice in a process (restart, tests)."""
    for router in routers:
        router._parent_router = None  # aiogram refuses to attach a router twice
    return routers


def build_router() -> Router:
    """The staff group's router, then the residents' (private chats only, fallback last)."""
    root = Router(name="root")
    residents = Router(name="residents")
    residents.message.filter(F.chat.type == "private")
    residents.callback_query.filter(F.message.chat.type == "private")
    residents.include_routers(*_detached(
        start.router, registration.router, intake.router, my_requests.router, profile.router, feedback.router,
        checkins.router,
    ))
    residents.include_routers(*_detached(fallback.router))
    root.include_routers(*_detached(staff.setup_router, staff.router, staff_private.router), residents)
    return root
