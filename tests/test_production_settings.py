"""Production settings: `check --deploy` is clean with the documented environment."""

import gc
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent


def run_manage(*args: str, tmp_path: Path, **environment: str) -> subprocess.CompletedProcess:
    """manage.py in a fresh process with production settings and only the given variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "SYSTEMROOT"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
        **environment,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


DOCUMENTED_ENVIRONMENT = {
    "SECRET_KEY": "k7#Lq2Vw9zR!t4Xp8sYb3Nc6Hf1Jd5Gm0Ae-Uo_Ii+Ww=Zz%Qq^Rr&Ss*Tt(Uu)Vv",
    "ALLOWED_HOSTS": "backoffice.example.com",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


def test_check_deploy_reports_no_issue_with_the_documented_environment(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **DOCUMENTED_ENVIRONMENT
    )
    print(result.stdout, result.stderr)  # shown with -s; quoted in the issue's closing note
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_flags_a_weak_secret_key(tmp_path):
    # The same check run, proving it is not silenced: a short key is reported.
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        **(DOCUMENTED_ENVIRONMENT | {"SECRET_KEY": "short"}),
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "CELERY_BROKER_URL"])
def test_production_refuses_to_start_without_a_required_variable(tmp_path, missing):
    environment = {k: v for k, v in DOCUMENTED_ENVIRONMENT.items() if k != missing}
    result = run_manage("check", tmp_path=tmp_path, **environment)
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_a_malformed_proxy_ssl_header_is_named_in_the_error(tmp_path):
    environment = DOCUMENTED_ENVIRONMENT | {"SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}
    result = run_manage("check", tmp_path=tmp_path, **environment)
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must be 'HEADER,value'" in result.stderr
    assert "HTTP_X_FORWARDED_PROTO" in result.stderr


def test_the_admin_url_prefix_comes_from_the_environment(tmp_path):
    result = run_manage(
        "shell",
        "-c",
        "from django.urls import reverse; print(reverse('admin:index'), reverse('healthz'))",
        tmp_path=tmp_path,
        **(DOCUMENTED_ENVIRONMENT | {"ADMIN_URL": "office-7f3a/"}),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["/office-7f3a/", "/healthz"]


def test_the_gunicorn_config_loads_the_application_with_production_settings(tmp_path):
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--check-config",
            "-c",
            "gunicorn.conf.py",
        ],
        cwd=PROJECT_DIR,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn-check.sqlite3'}",
            "WEB_CONCURRENCY": "3",
            **DOCUMENTED_ENVIRONMENT,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_gunicorn_freezes_the_preloaded_master_before_each_fork():
    config = runpy.run_path(str(PROJECT_DIR / "gunicorn.conf.py"))
    assert config["preload_app"] is True
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        config["pre_fork"](server=None, worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
