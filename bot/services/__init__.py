"""Rules: each service decides and returns what happened; the Notifier (bot.ui.notify) tells people."""
