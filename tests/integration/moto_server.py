"""moto_server (from this Python's virtual environment) on a free loopback
port, for the tests that need AWS: the DynamoDB store, the deploy scripts."""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

VENV_BIN = os.path.dirname(sys.executable)


@contextlib.contextmanager
def running_moto(env=None, timeout=30.0):
    """Start moto_server on 127.0.0.1 with `env` added to the environment,
    wait until it accepts connections, yield its URL, then stop it."""
    with moto_process(env, timeout) as (url, _):
        yield url


@contextlib.contextmanager
def moto_process(env=None, timeout=30.0):
    """running_moto, yielding (URL, process): for the tests that pause it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([os.path.join(VENV_BIN, "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("moto_server did not start")
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.send_signal(signal.SIGCONT)  # a paused one could not hear the next
        proc.terminate()
        proc.wait(timeout=10)
