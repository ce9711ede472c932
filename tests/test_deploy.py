"""The several-servers deployment (compose.yaml, deploy/Caddyfile, Dockerfile), checked statically: images
cannot be pulled in every environment, so this reads the files and checks how the services link up. Where
`docker compose` is installed it also asks it to validate the file."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from triangulate.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
APPS = ("app1", "app2")
TRIANGULATE = ("init", *APPS, "worker")


def _env(service: str) -> dict:
    return SERVICES[service].get("environment", {})


def test_the_services_are_two_apps_a_worker_postgres_a_proxy_and_a_one_shot_init():
    assert set(SERVICES) == {"db", "init", "app1", "app2", "worker", "proxy"}
    assert SERVICES["db"]["image"].startswith("postgres:")
    assert SERVICES["proxy"]["image"].startswith("caddy:")
    assert len({SERVICES[s]["image"] for s in TRIANGULATE}) == 1  # one image for every Triangulate service
    assert all(SERVICES[s]["build"] == "." for s in TRIANGULATE)


def test_every_triangulate_service_uses_the_one_database_and_the_shared_data_volume():
    db = SERVICES["db"]["environment"]
    for service in TRIANGULATE:
        url = make_url(_env(service)["DATABASE_URL"].replace("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}", "x"))
        assert (url.drivername, url.host, url.port) == ("postgresql+psycopg", "db", 5432)
        assert (url.username, url.database) == (db["POSTGRES_USER"], db["POSTGRES_DB"])
        assert "triangulate-data:/data" in SERVICES[service]["volumes"]
        assert _env(service)["TRIANGULATE_DATA_DIR"] == "/data"
    assert set(COMPOSE["volumes"]) == {"postgres-data", "triangulate-data"}


def test_start_order_init_after_postgres_then_apps_and_worker_then_the_proxy():
    assert SERVICES["init"]["depends_on"]["db"]["condition"] == "service_healthy"
    for service in (*APPS, "worker"):
        assert SERVICES[service]["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert {s: c["condition"] for s, c in SERVICES["proxy"]["depends_on"].items()} == {
        "app1": "service_healthy", "app2": "service_healthy"}
    for app in APPS:
        assert "/_stcore/health" in " ".join(SERVICES[app]["healthcheck"]["test"])


def test_the_commands_are_triangulate_commands():
    parser = build_parser()
    for service, command in (("init", "init"), ("worker", "worker")):
        argv = SERVICES[service]["command"]
        assert argv[:3] == ["python", "-m", "triangulate"]
        assert parser.parse_args(argv[3:]).command == command  # a typo in the file would fail here
    assert "command" not in SERVICES["app1"] and "command" not in SERVICES["app2"]  # the image's CMD: streamlit


def test_the_proxy_sends_each_browser_to_one_app_replica_on_streamlits_port():
    mounts = SERVICES["proxy"]["volumes"]
    source = next(m.split(":")[0] for m in mounts if m.split(":")[1] == "/etc/caddy/Caddyfile")
    caddyfile = (ROOT / source).read_text(encoding="utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    port = re.search(r"--server\.port=(\d+)", dockerfile).group(1)
    assert f"EXPOSE {port}" in dockerfile and '"app.py"' in dockerfile
    upstreams = re.search(r"reverse_proxy\s+([^{]+)\{", caddyfile).group(1).split()
    assert sorted(upstreams) == sorted(f"{app}:{port}" for app in APPS)
    assert re.search(r"^\s*lb_policy\s+cookie\s+\S+", caddyfile, re.M)  # sticky sessions
    assert re.search(r"^\s*health_uri\s+/_stcore/health", caddyfile, re.M)
    assert caddyfile.count("{") == caddyfile.count("}")
    published = SERVICES["proxy"]["ports"]
    assert published == ["8080:80"] and re.search(r"^:80\s*\{", caddyfile, re.M)


def test_the_image_installs_the_pinned_requirements_and_runs_offline():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
    assert "HF_HUB_OFFLINE=1" in dockerfile and "USER triangulate" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", "data"} <= set(ignored)  # no local database or environment in the image


def test_docker_compose_accepts_the_file_where_it_is_installed():
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        return  # checked statically above; `docker compose` is not installed here
    env = dict(os.environ, POSTGRES_PASSWORD="check")
    done = subprocess.run([docker, "compose", "-f", str(ROOT / "compose.yaml"), "config", "--quiet"], env=env,
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
