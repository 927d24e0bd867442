"""The admin kit imports no app of the project (docs/architecture.md#layers)."""

import ast
from pathlib import Path

import backoffice.kit

PROJECT_APPS = ("catalog", "alerts", "backoffice")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_kit_imports_only_itself_among_the_project_packages():
    kit = Path(backoffice.kit.__file__).parent
    modules = sorted(kit.rglob("*.py"))
    assert len(modules) > 5  # the import engine's modules are really walked
    offending = {
        f"{path.relative_to(kit)}: {name}"
        for path in modules
        for name in imported_modules(path)
        if name.split(".")[0] in PROJECT_APPS and not name.startswith("backoffice.kit")
    }
    assert offending == set()
