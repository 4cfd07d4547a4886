"""Registration: consent, name, phone, home address (read back), district, situation; each also asked
alone later from «My details» (the conversation data's `editing`). One module per step, loaded here as
the request wizard's are. The typed answers to name, phone and address are read by
handlers/registration.py (a shared contact card needs its own routes); the button questions are read by
the engine like any other step."""

from __future__ import annotations

import importlib
import pkgutil

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_module.name}")
