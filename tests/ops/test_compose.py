"""docker-compose.yml, the Dockerfile and .env.example, checked without Docker.

Docker is not available where the suite runs, so these tests read the files and run the
same commands the containers would run (settings checks, collectstatic, gunicorn, the
healthcheck) on this machine.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("postgres", "redis", "minio", "web", "worker", "beat", "mailcatcher")
# Variables only compose itself reads (interpolation), not the Django settings.
COMPOSE_ONLY = {
    "DJANGO_SETTINGS_MODULE",
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "WEB_BIND",
    "WEB_CONCURRENCY",
    "CELERY_CONCURRENCY",
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
}
_INTERPOLATION = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}")


def _env_example() -> dict[str, str | None]:
    """NAME -> value for `NAME=value`, None for a commented-out `# NAME=` (default applies)."""
    documented: dict[str, str | None] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if match := re.match(r"^([A-Z_][A-Z0-9_]*)=(.*)$", line):
            documented[match.group(1)] = match.group(2)
        elif match := re.match(r"^# ([A-Z_][A-Z0-9_]*)=", line):
            documented[match.group(1)] = None
    return documented


def _variables_read_by_settings() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        source = path.read_text()
        names |= set(
            re.findall(r"\benv(?:_bool|_int|_float|_list)?\(\s*\"([A-Z_][A-Z0-9_]*)\"", source)
        )
        names |= set(re.findall(r"_required\(\s*\"([A-Z_][A-Z0-9_]*)\"", source))
        names |= set(re.findall(r"os\.environ\.get\(\s*\"([A-Z_][A-Z0-9_]*)\"", source))
    return names


def _interpolate(value: str, variables: dict[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        default = re.match(r"\$\{[A-Z0-9_]+:-([^}]*)\}", match.group(0))
        return variables.get(name) or (default.group(1) if default else "")

    return _INTERPOLATION.sub(substitute, value)


def _container_env(service: str, **filled: str) -> dict[str, str]:
    """The environment compose would give `service`: .env (from the example) then `environment`."""
    dotenv = {k: v for k, v in _env_example().items() if v is not None}
    dotenv.update(filled)
    container = dict(dotenv)
    for key, value in SERVICES[service].get("environment", {}).items():
        container[key] = _interpolate(str(value), dotenv)
    return container


def _clean_os_env() -> dict[str, str]:
    # Neither the runner's settings nor the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (which the
    # deploy check rightly refuses) may leak into the child.
    documented = set(_env_example())
    return {
        k: v for k, v in os.environ.items() if k not in documented and not k.startswith("DJANGO_")
    }


def test_compose_runs_the_whole_product_as_separate_services():
    assert set(SERVICES) == {
        "postgres",
        "redis",
        "minio",
        "minio-init",
        "migrate",
        "web",
        "worker",
        "beat",
        "mailcatcher",
    }
    assert SERVICES["mailcatcher"]["profiles"] == ["dev"]
    assert SERVICES["web"]["command"][:2] == ["gunicorn", "config.wsgi:application"]
    assert SERVICES["worker"]["command"][:3] == ["celery", "--app=config", "worker"]
    assert SERVICES["beat"]["command"][:3] == ["celery", "--app=config", "beat"]


def test_every_long_running_service_has_a_healthcheck():
    for name in LONG_RUNNING:
        check = SERVICES[name].get("healthcheck", {})
        assert check.get("test"), f"{name} has no healthcheck"
        assert check.get("interval") and check.get("retries"), name


def test_app_services_start_only_on_healthy_servers_after_the_migrations():
    for name in ("web", "worker", "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["minio-init"]["condition"] == "service_completed_successfully", name
    assert SERVICES["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    assert SERVICES["minio-init"]["depends_on"]["minio"]["condition"] == "service_healthy"


def test_data_lives_in_named_volumes_and_no_app_container_keeps_files():
    declared = set(COMPOSE["volumes"])
    assert {"pgdata", "redisdata", "miniodata"} <= declared
    used: set[str] = set()
    for service in SERVICES.values():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            assert not source.startswith((".", "/")), f"bind mount {mount}"
            used.add(source)
    assert used == declared
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    assert "miniodata:/data" in SERVICES["minio"]["volumes"]
    for name in APP_SERVICES:
        assert not SERVICES[name].get("volumes"), f"{name} keeps files of its own"


def test_app_services_take_their_environment_from_dotenv_and_the_services():
    for name in APP_SERVICES:
        service = SERVICES[name]
        assert service["env_file"] == [{"path": ".env", "required": True}], name
        env = _container_env(name, POSTGRES_PASSWORD="pw")
        assert env["DATABASE_URL"] == "postgres://ledger:pw@postgres:5432/ledger", name
        assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0", name
        assert env["CACHE_URL"] == "redis://redis:6379/1", name
        assert env["STORAGE_URL"].startswith("s3://ledger?endpoint_url=http://minio:9000&"), name
        assert env["AWS_ACCESS_KEY_ID"] == "ledger-app", name
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production", name


def test_env_example_documents_every_variable_the_settings_read():
    missing = _variables_read_by_settings() - set(_env_example())

    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_env_example_documents_nothing_the_settings_and_compose_ignore():
    compose_text = (ROOT / "docker-compose.yml").read_text()
    interpolated = set(_INTERPOLATION.findall(compose_text))
    stale = set(_env_example()) - _variables_read_by_settings() - interpolated

    assert not stale, f"not read anywhere: {sorted(stale)}"
    assert interpolated <= set(_env_example()), sorted(interpolated - set(_env_example()))
    assert interpolated >= COMPOSE_ONLY


def test_env_example_leaves_the_secrets_empty_so_production_refuses_to_start_until_set():
    example = _env_example()

    assert example["SECRET_KEY"] == ""
    assert example["ALLOWED_HOSTS"] == ""
    assert example["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_dockerfile_runs_as_an_unprivileged_user_and_collects_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)

    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, flags=re.MULTILINE)
    assert "collectstatic --noinput" in dockerfile
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_settings_pass_the_deploy_check_with_exactly_what_compose_passes_the_web_container():
    env = _clean_os_env() | _container_env(
        "web",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="ledger.example.gov.cn",
        POSTGRES_PASSWORD=secrets.token_urlsafe(16),
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.slow
def test_the_web_container_command_serves_probes_static_files_and_https_only_pages(tmp_path):
    # given: the image's build step (collectstatic) and the web service's command, on this machine
    port = _free_port()
    env = _clean_os_env() | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "ledger.example.gov.cn",
        "TRUSTED_PROXY_COUNT": "1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "LEDGER_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    command = [
        arg.replace("0.0.0.0:8000", f"127.0.0.1:{port}") for arg in SERVICES["web"]["command"]
    ]
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, *command[1:], "--workers=1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    healthcheck = [
        arg.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        for arg in SERVICES["web"]["healthcheck"]["test"][1:]
    ]
    healthcheck[0] = sys.executable
    try:
        # A hang guard while gunicorn boots, not a speed check.
        for _ in range(120):
            if subprocess.run(healthcheck, capture_output=True, timeout=30).returncode == 0:
                break
            assert server.poll() is None, "gunicorn exited"
            time.sleep(0.5)
        # then: the compose healthcheck passes against the plain-HTTP internal address
        assert subprocess.run(healthcheck, capture_output=True, timeout=30).returncode == 0

        base = f"http://127.0.0.1:{port}"
        host = {"Host": "ledger.example.gov.cn"}
        https = {**host, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
        # and: plain HTTP through the proxy is redirected to HTTPS
        status, headers, _ = _get(f"{base}/admin/login/", **host)
        assert status == 301 and headers["Location"].startswith("https://ledger.example.gov.cn/")
        # and: over HTTPS the login page comes with HSTS, CSP and hashed static URLs
        status, headers, body = _get(f"{base}/admin/login/", **https)
        assert status == 200
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        site_policy = headers["Content-Security-Policy"]
        assert "script-src 'self';" in site_policy
        assert headers["X-Frame-Options"] == "DENY"
        css = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', body)
        assert css, body[:2000]
        # and: whitenoise serves the hashed file with a long cache lifetime
        status, headers, _ = _get(base + css.group(1).decode(), **https)
        assert status == 200
        assert "max-age=315360000" in headers["Cache-Control"]
        # and: the API docs run under the same policy, with Swagger UI from the collected files
        status, headers, body = _get(f"{base}/api/docs/", **https)
        assert status == 200
        assert headers["Content-Security-Policy"] == site_policy
        bundle = re.search(
            rb'src="(/static/drf_spectacular_sidecar/swagger-ui-dist/'
            rb'swagger-ui-bundle\.[0-9a-f]{12}\.js)"',
            body,
        )
        assert bundle, body[:2000]
        assert _get(base + bundle.group(1).decode(), **https)[0] == 200
        # and: an unknown host is refused
        assert (
            _get(f"{base}/admin/login/", Host="evil.example", **{"X-Forwarded-Proto": "https"})[0]
            == 400
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_minio_init_creates_the_private_bucket_the_app_services_are_given():
    env = _container_env("web", POSTGRES_PASSWORD="pw")
    bucket = re.match(r"s3://([^/?]+)", env["STORAGE_URL"])
    assert bucket
    script = SERVICES["minio-init"]["command"][0]
    assert f"mc mb --ignore-existing local/{bucket.group(1)}" in script
    assert f"mc anonymous set none local/{bucket.group(1)}" in script
    # and: the app's own key is checked against that bucket, so a failed setup stops the start
    assert f"mc ls app/{bucket.group(1)}" in script
    assert SERVICES["minio-init"]["environment"]["APP_KEY"].startswith("${AWS_ACCESS_KEY_ID:?")
