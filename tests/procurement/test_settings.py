"""Settings come from the environment; checked in a fresh interpreter each time."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "HTTPS": "1",
    "SECRET_KEY": "a-real-production-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "procurement.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://procurement.example.com",
    "STATIC_MANIFEST": "1",
    "EMAIL_HOST": "smtp.example.com",
}


def run_python(code: str, **env_overrides) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "procurement.settings", **env_overrides})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def database_settings(**env) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "d = settings.DATABASES['default']; print(json.dumps({'engine': d['ENGINE'], 'name': str(d['NAME'])}))"
    )
    result = run_python(code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sqlite_is_the_default_database():
    db = database_settings(DEBUG="1")
    assert db["engine"] == "django.db.backends.sqlite3"
    assert db["name"].endswith("db.sqlite3")


def test_database_url_selects_postgresql():
    db = database_settings(DEBUG="1", DATABASE_URL="postgres://app:pw@db.example:5432/procurement")
    assert db == {"engine": "django.db.backends.postgresql", "name": "procurement"}


def test_refuses_to_start_on_the_default_secret_key_without_debug():
    result = run_python("import django; django.setup()", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_is_off_unless_asked():
    result = run_python(
        "import django; from django.conf import settings; django.setup(); print(settings.DEBUG)",
        SECRET_KEY="k" * 50,
    )
    assert result.stdout.strip() == "False"


def test_deploy_check_with_production_variables_prints_no_warnings():
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_cookies_are_secure_and_host_prefixed():
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps([settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_SECURE,"
        " settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE, settings.CSRF_COOKIE_NAME,"
        " settings.SECURE_HSTS_SECONDS]))"
    )
    result = run_python(code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    name, secure, httponly, samesite, csrf_name, hsts = json.loads(result.stdout)
    assert (name, secure, httponly, samesite, csrf_name) == (
        "__Host-sessionid",
        True,
        True,
        "Lax",
        "__Host-csrftoken",
    )
    assert hsts >= 31536000


def production_setting(name: str, **env) -> object:
    code = f"import json, django; from django.conf import settings; django.setup(); print(json.dumps(settings.{name}))"
    result = run_python(code, **{**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_hsts_preload_is_opt_in():
    assert production_setting("SECURE_HSTS_PRELOAD") is False
    assert production_setting("SECURE_HSTS_PRELOAD", SECURE_HSTS_PRELOAD="1") is True


def test_deploy_check_with_hsts_preload_opted_in_prints_no_warnings():
    result = run_python(
        "from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **PRODUCTION,
        SECURE_HSTS_PRELOAD="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_proxy_is_trusted_unless_configured():
    assert production_setting("TRUSTED_PROXY_COUNT") == 0
    assert production_setting("TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT="2") == 2
    assert production_setting("AXES_CLIENT_IP_CALLABLE") == "procurement.middleware.client_ip"


def test_refuses_to_start_with_a_negative_proxy_count():
    result = run_python("import django; django.setup()", **PRODUCTION, TRUSTED_PROXY_COUNT="-1")
    assert result.returncode != 0 and "TRUSTED_PROXY_COUNT" in result.stderr
