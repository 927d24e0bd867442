"""Upstream templates the project copies (whole, or one block of) are pinned by hash: an
upgrade of Django, jazzmin or django-import-export that changes one fails here, naming the
file, so its change is carried over to the copy (docs/architecture.md#rendering).

Every project template that takes the name of an upstream one is listed below, either as a
copy (pinned) or as an extension that only adds to the upstream blocks ({{ block.super }}).
"""

import hashlib
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

REPO = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = {"backoffice", "catalog", "alerts"}

# project template -> [(package, upstream file in it, sha256 of that file)]: what it copies.
PINS = {
    "backoffice/templates/admin/pagination.html": [
        # A full copy (the template has no blocks) plus the capped-count text and arrow.
        (
            "jazzmin",
            "templates/admin/pagination.html",
            "d9896d087f47a77feb0c4a9e8dd2d3cd474acab283cec4f43c0c676593cf6570",
        ),
    ],
    "backoffice/templates/admin/auth/user/add_form.html": [
        # Replaces jazzmin's form_top ("First, enter a username and password."): staff are
        # invited and choose their own password.
        (
            "jazzmin",
            "templates/admin/auth/user/add_form.html",
            "1a08876841d2a938aacc96689bbe94f950eb7c7adb5c70e7becbf07c48bcd0a8",
        ),
    ],
    "backoffice/templates/admin/actions.html": [
        # Replaces jazzmin's actions-counter block ...
        (
            "jazzmin",
            "templates/admin/actions.html",
            "22193853f045236a9597080cfcafcfbb45e3a03d9acb65ed812f7a36b10b3327",
        ),
        # ... with Django's own counter markup (the "hidden" parts actions.js toggles).
        (
            "django.contrib.admin",
            "templates/admin/actions.html",
            "0556a5ebfabb06e4f2fd5e3adf9a6b6f75a6dd7321ad3be170a00be6eecaf467",
        ),
    ],
    "backoffice/accounts/templates/accounts/widgets/password_locked.html": [
        # Django's password summary without its "Reset password" button.
        (
            "django.contrib.auth",
            "templates/auth/widgets/read_only_password_hash.html",
            "c41a01bb8a56ac574c6c4ce4c7fe61815a81aeab6b6376303f76b2e809975d4a",
        ),
    ],
    "backoffice/templates/admin/import_export/import.html": [
        # The project's own import page in place of import-export's (and jazzmin's copy):
        # it renders the context import-export's ImportMixin hands its template.
        (
            "import_export",
            "templates/admin/import_export/import.html",
            "328919a98ad5f9ff23f3e01f8220d47f0f9450655e8de49991aff5a489391688",
        ),
        (
            "jazzmin",
            "templates/admin/import_export/import.html",
            "5b111588701f7f317d81ad7f5545dbccdb729a405b74f5e1af6acad8b3b50010",
        ),
    ],
    "backoffice/templates/admin/base.html": [
        # A full copy (the top bar's search boxes are in no block), showing only the boxes
        # of lists the user may open, and a footer without "Jazzmin version".
        (
            "jazzmin",
            "templates/admin/base.html",
            "b6466eb7753ae049345851f424e383d5b594da2d19797cc14c71c6770e1df8f0",
        ),
    ],
    "backoffice/templates/admin/import_export/export.html": [
        # The project's own export page in place of import-export's (and jazzmin's copy,
        # whose script needs the admin's django.jQuery): it renders the context
        # import-export's ExportMixin hands its template, and the same form fields.
        (
            "import_export",
            "templates/admin/import_export/export.html",
            "cb62034e5ac6a50108a7d1a325348e08aacaabc9835960ce03baabcd48c005e8",
        ),
        (
            "jazzmin",
            "templates/admin/import_export/export.html",
            "863cbc2dc02f804338149690e7122d572ee1f675be0a27e6a6233e327de77d53",
        ),
    ],
    "backoffice/templates/admin/index.html": [
        # Replaces jazzmin's dashboard content (its app list and Recent actions column) with
        # the operations panel and a Recent actions card: an upgrade that changes jazzmin's
        # dashboard is looked at here.
        (
            "jazzmin",
            "templates/admin/index.html",
            "9fb550ebb28980540102045bd4c60e2b8e1deda79de7f7f82c5283676b3455df",
        ),
    ],
}

# Project templates that extend the upstream template of the same name and only add to its
# blocks: nothing of it is copied, so nothing to pin.
EXTENSIONS = {
    "backoffice/templates/admin/login.html",
    # The empty state of a list in place of an empty table (its rows when there are any).
    "backoffice/templates/admin/change_list.html",
}


def upstream_file(package: str, relative: str) -> Path:
    return Path(importlib.import_module(package).__file__).parent / relative


@pytest.mark.parametrize(
    ("template", "package", "relative", "pinned"),
    [(template, *pin) for template, pins in PINS.items() for pin in pins],
)
def test_the_copied_upstream_template_is_unchanged(template, package, relative, pinned):
    path = upstream_file(package, relative)
    assert path.exists(), f"{package}/{relative} is gone upstream: {template} copies it"
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    assert actual == pinned, (
        f"{package}/{relative} changed upstream (sha256 {actual}). {template} copies it: "
        "compare the two, carry the change over, then update the pin in "
        "tests/test_template_pins.py."
    )


def is_project_app(config) -> bool:
    return config.name.split(".")[0] in PROJECT_PACKAGES


def project_template_dirs() -> list[Path]:
    dirs = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]]
    dirs += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if is_project_app(config)
    ]
    return [directory for directory in dirs if directory.is_dir()]


def upstream_template_names() -> set[str]:
    names = set()
    for config in apps.get_app_configs():
        root = Path(config.path) / "templates"
        if not is_project_app(config) and root.is_dir():
            names |= {str(path.relative_to(root)) for path in root.rglob("*.html")}
    return names


def test_every_template_shadowing_an_upstream_one_is_pinned_or_only_extends_it():
    upstream = upstream_template_names()
    shadowing = {
        str(path.resolve().relative_to(REPO)): str(path.relative_to(directory))
        for directory in project_template_dirs()
        for path in directory.rglob("*.html")
        if str(path.relative_to(directory)) in upstream
    }
    assert shadowing, "the project overrides jazzmin's pagination at least"
    for template, name in shadowing.items():
        assert template in PINS or template in EXTENSIONS, (
            f"{template} takes the place of the upstream {name}: pin what it copies in PINS "
            "or, if it only extends it, list it in EXTENSIONS"
        )


@pytest.mark.parametrize("template", sorted(EXTENSIONS))
def test_an_extension_only_adds_to_the_upstream_blocks(template):
    text = (REPO / template).read_text()
    name = template.split("/templates/", 1)[1]
    assert text.startswith(f'{{% extends "{name}" %}}'), template
    # Each block it overrides keeps the upstream content.
    assert text.count("{% block ") == text.count("{{ block.super }}"), template
