"""Shared fixtures: the repository layout, the `secctx mock` endpoint as a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

HERE = Path(__file__).resolve().parent
PACKAGE_DIR = HERE.parent
REPO_ROOT = PACKAGE_DIR.parent


def secctx_binary() -> Path:
    """`target/debug/secctx`, built with cargo when missing (or SECCTX_BIN when set)."""
    override = os.environ.get("SECCTX_BIN")
    if override:
        return Path(override)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO_ROOT / "target"))
    binary = target / "debug" / "secctx"
    if not binary.exists():
        subprocess.run(["cargo", "build", "-p", "secctx-cli"], cwd=REPO_ROOT, check=True)
    return binary


class Mock:
    """A running `secctx mock` on 127.0.0.1."""

    def __init__(self, addr: str, proc: subprocess.Popen[bytes]) -> None:
        self.addr = addr
        self.proc = proc
        self.base_url = f"http://{addr}"

    def requests(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.base_url}/_secctx/requests", timeout=10) as resp:
            records: list[dict[str, Any]] = json.loads(resp.read())
            return records

    def clear(self) -> None:
        req = urllib.request.Request(f"{self.base_url}/_secctx/requests", method="DELETE")
        with urllib.request.urlopen(req, timeout=10):
            pass


def start_mock(tmp_dir: Path) -> Mock:
    port_file = tmp_dir / "mock.addr"
    proc = subprocess.Popen(
        [
            str(secctx_binary()),
            "mock",
            "--listen",
            "127.0.0.1:0",
            "--port-file",
            str(port_file),
            "--max-lifetime",
            "300",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if port_file.exists():
            addr = port_file.read_text().strip()
            if addr:
                return Mock(addr, proc)
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"secctx mock exited with {proc.returncode}: {err}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("secctx mock did not write its port file within 30 s")


def stop_mock(mock: Mock) -> None:
    if mock.proc.poll() is None:
        mock.proc.send_signal(signal.SIGTERM)
        try:
            mock.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            mock.proc.kill()
            mock.proc.wait()
    if mock.proc.stderr:
        mock.proc.stderr.close()


@pytest.fixture(scope="session")
def mock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mock]:
    mock = start_mock(tmp_path_factory.mktemp("mock"))
    try:
        yield mock
    finally:
        stop_mock(mock)


@pytest.fixture()
def mock(mock_server: Mock) -> Mock:
    """The session's mock endpoint, with its recorded requests cleared."""
    mock_server.clear()
    return mock_server
