"""The apps depend on each other in one direction only:
core <- sessions_app <- interventions <- briefs <- listening."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["core", "sessions_app", "interventions", "briefs", "listening"]
RANK = {app: rank for rank, app in enumerate(LAYERS)}


def imported_apps(source: str, *, package: str) -> list[tuple[int, str]]:
    """(line, app) for every import of one of our apps in `source`, at any depth (function-local
    imports included); relative imports resolve against `package`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names = [".".join([*base, node.module or ""]).strip(".")]
            else:
                names = [node.module or ""]
        else:
            continue
        found += [(node.lineno, name.split(".")[0]) for name in names if name.split(".")[0] in RANK]
    return found


def upward_imports(root: Path) -> list[str]:
    """'path:line imports app' for each import of a higher layer, in every module of every app
    (migrations included: a lower app's migration must not need a higher app's code)."""
    problems = []
    for app in LAYERS:
        for path in sorted((root / app).rglob("*.py")):
            package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
            for line, target in imported_apps(path.read_text(encoding="utf-8"), package=package):
                if RANK[target] > RANK[app]:
                    problems.append(f"{path.relative_to(root)}:{line} imports {target}")
    return problems


def test_apps_import_only_downwards():
    assert upward_imports(ROOT) == []


def test_upward_import_detected_at_any_depth(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "thing.py").write_text(
        "def helper():\n"
        "    from interventions.models import Intervention\n"
        "    return Intervention\n"
    )
    (tmp_path / "sessions_app").mkdir()
    (tmp_path / "sessions_app" / "views.py").write_text("from core.outbox import schedule_task\n")
    for app in ("interventions", "briefs", "listening"):
        (tmp_path / app).mkdir()
    assert upward_imports(tmp_path) == ["core/thing.py:2 imports interventions"]


@pytest.mark.parametrize(
    ("source", "package", "expected"),
    [
        ("from . import models", "briefs", [(1, "briefs")]),
        ("from ..outbox import x", "core.management", [(1, "core")]),
        ("import listening.celery", "core", [(1, "listening")]),
        ("import os", "core", []),
    ],
)
def test_imported_apps_resolves_relative_and_absolute(source, package, expected):
    assert imported_apps(source, package=package) == expected


def unannotated_public_functions(root: Path) -> list[str]:
    """'path:function' for each public service, selector or pipeline function with an argument
    or return value that has no type annotation."""
    problems = []
    modules = sorted(
        [*root.glob("*/services.py"), *root.glob("*/selectors.py"), root / "briefs/pipeline.py"]
    )
    for path in modules:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            arguments = [*node.args.args, *node.args.kwonlyargs]
            if node.returns is None or any(a.annotation is None for a in arguments):
                problems.append(f"{path.relative_to(root)}:{node.name}")
    return problems


def test_services_and_selectors_are_fully_annotated():
    assert unannotated_public_functions(ROOT) == []


def test_an_unannotated_service_is_found(tmp_path):
    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / "pipeline.py").write_text("def ok(*, a: int) -> int:\n    return a\n")
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "services.py").write_text("def do_thing(*, user) -> None:\n    pass\n")
    assert unannotated_public_functions(tmp_path) == ["core/services.py:do_thing"]
