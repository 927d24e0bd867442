"""Private names of Django, jazzmin and django-import-export: at most five outside the tests,
each listed in docs/architecture.md#rendering and guarded here, so an upgrade that removes or
changes one fails a test instead of a page.

A private name is one that starts with an underscore (not a dunder), imported from one of
those packages (`from x import _y`) or read as an attribute (`x._y`) without the project
defining it. `Model._meta`, `_default_manager` and `_base_manager` are documented API.
"""

import ast
from pathlib import Path

from django.core.management.base import OutputWrapper

REPO = Path(__file__).resolve().parents[1]
SOURCES = ["backoffice", "catalog", "alerts", "bench", "scripts", "manage.py", "gunicorn.conf.py"]
THIRD_PARTY = ("django", "jazzmin", "import_export")
DOCUMENTED = {"_meta", "_default_manager", "_base_manager"}

# name -> where it is used and why; each has a guard test below.
ALLOWED = {
    "_out": "backoffice/management/commands/import_catalog.py: tqdm writes its progress bar "
    "to the command's stderr stream (Django's OutputWrapper._out), not through write()",
}


def python_files() -> list[Path]:
    files = []
    for source in SOURCES:
        path = REPO / source
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
    return [path for path in files if "migrations" not in path.parts]


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_names() -> dict[str, set[str]]:
    """Private third-party names used by the project: name -> files."""
    trees = {path: ast.parse(path.read_text(), str(path)) for path in python_files()}
    defined = set()  # names the project defines: functions, classes, attributes it sets
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                defined.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
    found: dict[str, set[str]] = {}
    for path, tree in trees.items():
        where = str(path.relative_to(REPO))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(THIRD_PARTY):
                for alias in node.names:
                    if is_private(alias.name):
                        found.setdefault(alias.name, set()).add(where)
            elif (
                isinstance(node, ast.Attribute)
                and is_private(node.attr)
                and node.attr not in defined
                and node.attr not in DOCUMENTED
            ):
                found.setdefault(node.attr, set()).add(where)
    return found


def test_at_most_five_private_names_each_allowed_and_documented():
    found = private_names()
    unlisted = {name: files for name, files in found.items() if name not in ALLOWED}
    assert not unlisted, (
        f"private third-party names used outside the tests: {unlisted}. Use a public API, or "
        "add the name to ALLOWED with a guard test and to docs/architecture.md#rendering"
    )
    assert len(ALLOWED) <= 5
    documented = (REPO / "docs" / "architecture.md").read_text()
    for name in ALLOWED:
        assert f"{name}`" in documented, f"{name} is not listed in docs/architecture.md"


def test_the_scan_finds_a_private_import_and_attribute(tmp_path, monkeypatch):
    (tmp_path / "backoffice").mkdir()
    (tmp_path / "backoffice" / "probe.py").write_text(
        "from django.contrib.admin.utils import _get_non_gfk_field\n"
        "from django.utils import dateformat\n"
        "dateformat.re_formatchars._pattern\n"
        "class Own:\n    def _mine(self):\n        return self._mine\n"
    )
    monkeypatch.setitem(globals(), "REPO", tmp_path)
    assert set(private_names()) == {"_get_non_gfk_field", "_pattern"}


# --- guards: each allowed name still exists and means what the project relies on ----------


def test_guard_output_wrapper_out_is_the_wrapped_stream():
    import io

    stream = io.StringIO()
    assert OutputWrapper(stream)._out is stream
