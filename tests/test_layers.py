"""The layers' import contract (.importlinter) holds: one way down, no circles, a pure domain."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

from handlers import build_router, callables

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contract_is_kept() -> None:
    """lint-imports (import-linter) checks every contract of .importlinter against the code as it is."""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout


def test_no_function_local_imports_of_the_project() -> None:
    """No import of the project's own modules hides inside a function (a circle or a layer breach hidden
    from the contract); the composition root (bot.__main__, bot.app) may import lazily to start fast."""
    import ast

    hidden = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py"), *ROOT.glob("db/**/*.py"),
                 *ROOT.glob("sandbox/**/*.py")]:
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("bot/__main__", "bot/app/", "db/migrations/")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").split(".")[0] in {"bot", "handlers", "db", "sandbox"}:
                        hidden.append(f"{rel}:{inner.lineno} from {inner.module}")
    assert not hidden, hidden


def test_every_domain_module_has_its_unit_tests() -> None:
    """Each module of the pure domain (bot/domain/<name>.py) has tests/unit/test_<name>.py beside the
    end-to-end tests: no bot, no database, no HTTP."""
    modules = {p.stem for p in (ROOT / "bot" / "domain").glob("*.py") if p.stem != "__init__"}
    tested = {p.stem.removeprefix("test_") for p in (ROOT / "tests" / "unit").glob("test_*.py")}
    assert modules and not modules - tested, sorted(modules - tested)


def test_handlers_take_injected_arguments_not_a_context_bag() -> None:
    """One handler style (#13): every handler and filter of the router tree names what it needs from
    aiogram's injected arguments (message, resident, session, notifier, wizard, ...); none takes the old
    eight-field `ctx`, and no module of handlers/ or bot/ui/ defines or imports a `Ctx`."""
    bags = []
    for obj in callables(build_router()):
        parameters = inspect.signature(obj.callback).parameters
        if "ctx" in parameters:
            bags.append(getattr(obj.callback, "__qualname__", repr(obj.callback)))
    assert not bags, bags
    found = []
    for path in [*ROOT.glob("handlers/**/*.py"), *ROOT.glob("bot/ui/**/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                names = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
                if "ctx" in names:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} takes ctx")
            elif isinstance(node, ast.ClassDef) and node.name == "Ctx":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} defines Ctx")
            elif isinstance(node, ast.ImportFrom) and any(alias.name == "Ctx" for alias in node.names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports Ctx")
    assert not found, found
