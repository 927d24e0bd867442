"""Private names of Django, jazzmin and django-import-export: at most five outside the tests,
each listed in docs/architecture.md#rendering and guarded here, so an upgrade that removes or
changes one fails a test instead of a page.

A private name is one that starts with an underscore (not a dunder), imported from one of
those packages (`from x import _y`), read as an attribute (`x._y`) without the project
defining it, or a private method of one of their classes that a project class overrides
(`def _make_hash_value` in a subclass of Django's PasswordResetTokenGenerator: a hook the
base class may stop calling). `Model._meta`, `_default_manager` and `_base_manager` are
documented API.
"""

import ast
import importlib
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
    "_make_hash_value": "backoffice/accounts/invitations.py: an invitation link also covers "
    "the account's superuser status, roles and single permissions (PasswordResetTokenGenerator"
    "._make_hash_value, the hook Django's token generator hashes the account's state through)",
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
        for name in private_overrides(tree):
            found.setdefault(name, set()).add(where)
    return found


def third_party_imports(tree: ast.Module) -> dict[str, str]:
    """Names a module binds to third-party modules or their attributes: name -> dotted path."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(THIRD_PARTY):
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(THIRD_PARTY):
                    bound[alias.asname or alias.name.split(".")[0]] = alias.asname and alias.name
    return {name: path for name, path in bound.items() if path}


def third_party_object(dotted: str):
    """The object at a dotted path (module, then attributes), None when it does not import."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part, None)
        return found
    return None


def private_overrides(tree: ast.Module) -> set[str]:
    """Private methods of third-party classes that the module's classes override."""
    bound = third_party_imports(tree)
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = []
        for base in node.bases:
            dotted = ast.unparse(base)
            head, _, rest = dotted.partition(".")
            if head in bound:
                bases.append(third_party_object(f"{bound[head]}.{rest}" if rest else bound[head]))
        for item in node.body:
            if (
                isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                and is_private(item.name)
                and any(base is not None and hasattr(base, item.name) for base in bases)
            ):
                found.add(item.name)
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
        "from django.contrib.auth.tokens import PasswordResetTokenGenerator\n"
        "from django.contrib import admin\n"
        "class Tokens(PasswordResetTokenGenerator):\n"
        "    def _make_hash_value(self, user, timestamp):\n        return ''\n"
        "    def _own_helper(self):\n        return 1\n"
        "class Products(admin.ModelAdmin):\n"
        "    def _changeform_view(self, *args):\n        return None\n"
    )
    monkeypatch.setitem(globals(), "REPO", tmp_path)
    assert set(private_names()) == {
        "_get_non_gfk_field",
        "_pattern",
        "_make_hash_value",
        "_changeform_view",
    }


# --- guards: each allowed name still exists and means what the project relies on ----------


def test_guard_output_wrapper_out_is_the_wrapped_stream():
    import io

    stream = io.StringIO()
    assert OutputWrapper(stream)._out is stream


def test_guard_token_generator_hashes_the_account_through_make_hash_value():
    from django.contrib.auth.models import User
    from django.contrib.auth.tokens import PasswordResetTokenGenerator

    class Covering(PasswordResetTokenGenerator):
        key_salt = "tests.test_private_names.Covering"
        state = "a"

        def _make_hash_value(self, user, timestamp):
            return f"{super()._make_hash_value(user, timestamp)}{self.state}"

    user = User(pk=1, username="probe", password="!", email="probe@example.com")
    generator = Covering()
    token = generator.make_token(user)
    assert generator.check_token(user, token)
    generator.state = "b"
    assert not generator.check_token(user, token)
