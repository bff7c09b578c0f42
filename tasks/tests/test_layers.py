"""Layers depend one way: targets ← tasks ← reporting; accounts (users, notifications) below tasks.

The write path (tasks/actions.py) notifies through accounts.notify, so it needs nothing of
reporting; this test fails if any module of the lower layers imports an upper one."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"targets": {"tasks", "reporting"}, "accounts": {"tasks", "reporting"}, "tasks": {"reporting"}}


def imported_apps(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_a_lower_layer_imports_nothing_of_the_layers_above(app):
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
        for name in imported_apps(path)
        if name in FORBIDDEN[app]
    ]
    assert offenders == []
