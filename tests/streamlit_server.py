"""Start the app as a real `streamlit run` on a free loopback port and stop it: shared by the browser journeys,
the load bench and the several-servers tests, so the start-up wait is written once."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class ServerDidNotStart(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_environment(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return dict(os.environ, DATABASE_URL=database_url, TRIANGULATE_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1",
                TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(ROOT), **extra)


def start(workdir: Path, env: dict[str, str], ready_within_s: float = 120) -> tuple[subprocess.Popen, str]:
    """The server process and its URL, once `/_stcore/health` answers. The log is `workdir/streamlit.log`."""
    port = free_port()
    # The child keeps its own copy of the log's descriptor, so ours can close at once.
    with open(workdir / "streamlit.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + ready_within_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                return proc, url
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise ServerDidNotStart(f"streamlit did not start: {(workdir / 'streamlit.log').read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def running(workdir: Path, env: dict[str, str], ready_within_s: float = 120):
    proc, url = start(workdir, env, ready_within_s)
    try:
        yield proc, url
    finally:
        stop(proc)
