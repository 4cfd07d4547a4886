"""The edge to Telegram: the outbox sender and its limits, handler replies' budget, polling, conversation storage, middlewares."""
