"""The request wizard: what is needed (supplies, medicine, someone to talk to), urgency, address,
summary, Send. One module per step (or per pair of steps that belong together); each declares its
steps with the engine when it is loaded, and every module of this package is loaded here, so a new
step is one new module (docs/architecture.md, «add a wizard step»)."""

from __future__ import annotations

import importlib
import pkgutil

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_module.name}")
