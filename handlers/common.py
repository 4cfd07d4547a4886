"""Small answers shared by several handlers (they live with the wizard engine, bot/ui/wizard/reading.py)."""

from bot.ui.wizard.reading import answered_within, reject_text, remember_answer

__all__ = ["answered_within", "reject_text", "remember_answer"]
