"""`.env.example` documents every environment variable the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_READ = re.compile(r"\benv(?:\.[a-z_]+)?\(\s*\"([A-Z][A-Z0-9_]*)\"")


def _variables_read_by_settings() -> set[str]:
    names = set()
    for module in (ROOT / "backoffice" / "settings").glob("*.py"):
        names |= set(ENV_READ.findall(module.read_text(encoding="utf-8")))
    return names


def test_the_settings_read_the_environment_through_env():
    # Guards the regular expression below: if it matched nothing, the next test would pass
    # for the wrong reason.
    assert {"DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"} <= _variables_read_by_settings()


def test_every_variable_is_documented_in_env_example():
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M)
    )
    assert _variables_read_by_settings() - documented == set()
