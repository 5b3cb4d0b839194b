"""Routes declared blocking on the local server (mirror's /blocking/...):
their handlers run on the blocking pool while the worker's loop answers
everything else, and the connection behaves as if they had run inline:
pipelined answers in order, deferred work after the response, streamed
bodies, timeouts that do not fire meanwhile, a client that goes away, and
SIGTERM waiting for the job."""
import os
import re
import signal
import subprocess
import time

import pytest
from conftest import BIN_DIR, HttpReader

from test_streaming import get, send


@pytest.fixture
def mirror(start_server):
    return start_server("mirror", args=["--workers", "1"])


def test_the_loop_answers_others_while_a_blocking_handler_waits(mirror):
    slow = send(mirror, get("/blocking/delay/1000"))
    time.sleep(0.1)
    start = time.monotonic()
    quick = send(mirror, get("/status/204"))
    assert HttpReader(quick).response()[0] == 204
    assert time.monotonic() - start < 0.3, "one worker, and it is free"
    assert HttpReader(slow).response()[0] == 200


def test_pipelined_answers_keep_their_order(mirror):
    s = send(mirror, get("/blocking/delay/300") + get("/status/201") + get("/blocking/delay/0") + get("/status/204"))
    reader = HttpReader(s)
    start = time.monotonic()
    statuses = [reader.response()[0] for _ in range(4)]
    assert statuses == [200, 201, 200, 204]
    assert time.monotonic() - start >= 0.3


def test_deferred_work_runs_after_the_response_and_logs_its_request_id(mirror):
    s = send(mirror, get("/blocking/after/500") + get("/status/204"))
    reader = HttpReader(s)
    start = time.monotonic()
    status, headers, _ = reader.response()
    assert status == 200 and time.monotonic() - start < 0.4
    assert reader.response()[0] == 204  # after the work, on the same connection
    assert time.monotonic() - start >= 0.5
    rid = re.escape(headers["x-request-id"][0].encode())
    # The pool thread's log lines carry the request id, as the loop's do.
    assert mirror.wait_for_output(rb"INFO +" + rid + rb" after-response work of " + rid + rb" done")


def test_a_blocking_route_streams(mirror):
    s = send(mirror, get("/blocking/stream/3?delay_ms=50") + get("/status/204"))
    reader = HttpReader(s)
    status, headers, body = reader.response()
    assert status == 200 and headers["transfer-encoding"] == ["chunked"]
    assert body.splitlines() == [b'{"n":%d,"of":3}' % i for i in range(3)]
    assert reader.response()[0] == 204


def test_timeouts_do_not_cut_a_running_job(start_server):
    srv = start_server("mirror", args=["--workers", "1", "--idle-timeout", "200", "--header-timeout", "200",
                                       "--body-timeout", "200"])
    s = send(srv, get("/blocking/delay/800"))
    assert HttpReader(s).response()[0] == 200


def test_a_client_that_leaves_during_the_job_is_forgotten(mirror):
    for _ in range(5):
        send(mirror, get("/blocking/delay/200")).close()
    time.sleep(0.4)
    assert HttpReader(send(mirror, get("/blocking/delay/0"))).response()[0] == 200
    code, output = mirror.stop()
    assert code == 0 and "ERROR" not in output and "Sanitizer" not in output, output


def test_sigterm_waits_for_the_running_job(mirror):
    s = send(mirror, get("/blocking/delay/800"))
    time.sleep(0.2)
    mirror.proc.send_signal(signal.SIGTERM)
    status, headers, _ = HttpReader(s).response()
    assert status == 200 and headers["connection"] == ["close"]
    s.close()
    assert mirror.proc.wait(timeout=10) == 0, mirror.stop()[1]


@pytest.mark.parametrize("flag, value, rule", [
    ("--blocking-threads", "0", "from 1 to 1024"),
    ("--blocking-threads", "many", "from 1 to 1024"),
    ("--blocking-queue", "-1", "from 1 to 1000000"),
])
def test_a_bad_pool_setting_is_refused_naming_it(flag, value, rule):
    proc = subprocess.run([os.path.join(BIN_DIR, "mirror"), "serve", flag, value], capture_output=True, timeout=10)
    assert proc.returncode == 2
    assert f'error: {flag} must be a whole number {rule} (got "{value}")'.encode() in proc.stderr, proc.stderr
