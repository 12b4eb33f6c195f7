"""Starts one real `recd demo` for a test run.

It builds the binary from the repository (or uses $RECD_BIN), picks a free loopback port and a
temporary data directory, waits for /readyz, and stops the server and removes its files at the end.
With $RECD_URL set it starts nothing and uses the server (or validating proxy) there, with
$RECD_ADMIN_KEY as its key when auth is on.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recd:
    """A running recd demo: base_url, api_key (None for the demo, which has no keys), and stop()
    to end it."""

    def __init__(self, ready_timeout: float = 600.0):
        self.proc = None
        self.api_key = os.environ.get("RECD_ADMIN_KEY") or None
        url = os.environ.get("RECD_URL")
        if url:
            self.base_url = url.rstrip("/")
            return
        self.api_key = None
        self.dir = tempfile.mkdtemp(prefix="recd-sdk-py-")
        binary = os.environ.get("RECD_BIN")
        if not binary:
            binary = os.path.join(self.dir, "recd")
            subprocess.run(["go", "build", "-o", binary, "./cmd/recd"], cwd=REPO_ROOT, check=True)
        port = _free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(self.dir, "recd.log"), "wb")
        self.proc = subprocess.Popen(
            [binary, "demo", "--addr", f"127.0.0.1:{port}", "--data-dir", os.path.join(self.dir, "data"), "--no-progress"],
            stdout=subprocess.DEVNULL, stderr=self.log)
        try:
            self._wait_ready(ready_timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"recd demo exited before it was ready:\n{self._log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/readyz", timeout=5) as res:
                    if res.status == 200:
                        return
            except OSError:
                pass  # not listening or not ready yet
            if time.monotonic() > deadline:
                raise RuntimeError(f"recd demo not ready after {timeout} s:\n{self._log_tail()}")
            time.sleep(0.5)

    def _log_tail(self) -> str:
        self.log.flush()
        with open(self.log.name, "rb") as f:
            return f.read()[-4000:].decode("utf-8", "replace")

    def stop(self) -> None:
        if self.proc is None:
            return  # a server given by $RECD_URL is not ours to stop
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
