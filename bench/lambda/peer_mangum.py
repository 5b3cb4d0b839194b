"""The FastAPI + Mangum peer of the Lambda benchmark (bench/lambda/run.sh).

    python peer_mangum.py inprocess EVENT_FILE N   # µs per event, in process
    python peer_mangum.py runtime                  # a Lambda bootstrap

GET /api/health answers {"status":"healthy"}, as the items app does. Mangum
runs with lifespan="off": the app has no start-up hooks, and the default
"auto" would run a lifespan cycle on every invocation.

Both modes do the same per event: the event's bytes parsed, the handler,
the response serialised: what a runtime does between /next and /response.
The runtime loop uses http.client on one kept-alive connection to
$AWS_LAMBDA_RUNTIME_API, as AWS's own runtime interface client does."""
import http.client
import json
import os
import socket
import sys
import time
from types import SimpleNamespace

from fastapi import FastAPI
from mangum import Mangum

app = FastAPI(title="Items API (FastAPI + Mangum peer)", version="1.0.0")


@app.get("/api/health")
async def health():
    return {"status": "healthy"}


handler = Mangum(app, lifespan="off")
API = "/2018-06-01/runtime"
BATCHES = 10


def handle(event_bytes, context):
    result = handler(json.loads(event_bytes), context)
    if result["statusCode"] != 200:
        sys.exit(f"peer_mangum: not a 200 response: {json.dumps(result)[:300]}")
    return json.dumps(result).encode()


def context_for(request_id, deadline_ms, arn):
    return SimpleNamespace(aws_request_id=request_id, invoked_function_arn=arn,
                           get_remaining_time_in_millis=lambda: max(0, deadline_ms - int(time.time() * 1000)))


def inprocess(path, n):
    """N events in eleven batches, the first a warm-up; prints each timed
    batch's µs per event and their median."""
    with open(path, "rb") as f:
        event = f.read()
    context = context_for("inprocess", 0, "arn:aws:lambda:eu-west-1:210987654321:function:bench")
    per_batch = n // (BATCHES + 1)
    timings = []
    for batch in range(BATCHES + 1):
        start = time.perf_counter_ns()
        for _ in range(per_batch):
            handle(event, context)
        us = (time.perf_counter_ns() - start) / 1000 / per_batch
        if batch > 0:
            timings.append(us)
            print(f"batch_us {us:.3f}")
    timings.sort()
    print(f"events {per_batch * BATCHES} median_us {(timings[BATCHES // 2 - 1] + timings[BATCHES // 2]) / 2:.3f}")


def runtime():
    host, _, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
    conn = http.client.HTTPConnection(host, int(port))
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        conn.request("GET", API + "/invocation/next")
        next_event = conn.getresponse()
        event = next_event.read()
        if next_event.status != 200:
            sys.exit(f"peer_mangum: /next answered {next_event.status}")
        request_id = next_event.getheader("Lambda-Runtime-Aws-Request-Id")
        context = context_for(request_id, int(next_event.getheader("Lambda-Runtime-Deadline-Ms", "0")),
                              next_event.getheader("Lambda-Runtime-Invoked-Function-Arn"))
        conn.request("POST", f"{API}/invocation/{request_id}/response", handle(event, context),
                     {"Content-Type": "application/json"})
        conn.getresponse().read()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "inprocess" and sys.argv[3].isdigit() and int(sys.argv[3]) > BATCHES:
        inprocess(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1:] == ["runtime"]:
        runtime()
    else:
        sys.exit("usage: peer_mangum.py inprocess EVENT_FILE N | runtime")
