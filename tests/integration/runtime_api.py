"""A Lambda Runtime API emulator for tests (docs/design/runtime-api.md), standard
library only: GET /next hands out queued events, one per call, and answers
410 once the queue is empty, which makes a cgate runtime log it and exit; the
runtime's POSTs are recorded.

    api = RuntimeAPI(); api.add_event({...}); ...; api.endpoint  # "127.0.0.1:PORT"
    # run the bootstrap with AWS_LAMBDA_RUNTIME_API=api.endpoint until it exits
    api.posts  # [Post(kind="response"|"error"|"init-error", request_id, headers, body, ...)]

Each event's Lambda-Runtime-Deadline-Ms is timeout_ms (default 3000) after it
is handed out; request ids may be of any length (add_event's request_id).
A post may be answered with any status, or never (NO_ANSWER: recorded, then
its connection is held open without a byte until the emulator closes).

A streamed /response (Transfer-Encoding: chunked, runtime-api.md §8) is kept
both decoded (body, trailers) and as it came on the wire (wire), with the
arrival time of each chunk (chunk_times).
    api.close()

Run alone (`python3 runtime_api.py EVENT.json...`) it serves those events and
prints each post, for trying a bootstrap by hand.
"""
import collections
import http.server
import itertools
import json
import re
import sys
import threading
import time

PREFIX = "/2018-06-01/runtime"
NO_ANSWER = None  # a status: the post is never answered
INVOCATION = re.compile(PREFIX + r"/invocation/([^/]+)/(response|error)$")

Post = collections.namedtuple("Post", "kind request_id headers body client wire trailers chunk_times",
                              defaults=(b"", {}, ()))


def read_chunked(rfile):
    """(body, wire bytes, {trailer name: value}, arrival time of each chunk)."""
    body, wire, trailers, times = b"", b"", {}, []
    while True:
        line = rfile.readline()
        wire += line
        size = int(line.split(b";")[0], 16)
        if size == 0:
            break
        data = rfile.read(size + 2)
        times.append(time.monotonic())
        wire += data
        body += data[:-2]
    while True:
        line = rfile.readline()
        wire += line
        if line in (b"\r\n", b""):
            return body, wire, trailers, tuple(times)
        name, value = line.decode("latin-1").split(":", 1)
        trailers[name.strip().lower()] = value.strip()


class RuntimeAPI:
    def __init__(self, response_statuses=(), error_statuses=(), init_error_statuses=(), timeout_ms=3000):
        """*_statuses: how to answer the successive /response, /error and
        /init/error posts, a status or NO_ANSWER (202 once they are used up);
        timeout_ms: the function's timeout, which sets each deadline."""
        self.events = collections.deque()
        self.statuses = {kind: collections.deque(statuses) for kind, statuses in
                         (("response", response_statuses), ("error", error_statuses),
                          ("init-error", init_error_statuses))}
        self.timeout_ms = timeout_ms
        self.closed = threading.Event()  # releases the posts left unanswered
        self.posts = []
        self.next_clients = []  # (host, port) of each GET /next, to count connections
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self):
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def add_event(self, event, request_id=None, trace=None):
        """Queue an event (a dict, or str/bytes sent as they are); returns its request id.
        trace: its Lambda-Runtime-Trace-Id (default: a sampled trace of its own)."""
        request_id = request_id or f"req-{next(self._ids):04d}-8476a536-e9f4-11e8"
        body = event if isinstance(event, bytes) else (event if isinstance(event, str) else json.dumps(event)).encode()
        trace = trace or f"Root=1-5bef4de7-{request_id[:24]};Parent=9a9197af755a6419;Sampled=1"
        with self.lock:
            self.events.append((request_id, body, trace))
        return request_id

    def posts_of(self, kind):
        with self.lock:
            return [p for p in self.posts if p.kind == kind]

    def close(self):
        self.closed.set()
        self.server.shutdown()
        self.server.server_close()


def _handler(api):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real Runtime API
        disable_nagle_algorithm = True  # head and body are written apart: no delayed-ACK stall

        def log_message(self, fmt, *args):
            pass

        def _send(self, status, body=b"", headers=()):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path != PREFIX + "/invocation/next":
                return self._send(404, b'{"errorMessage":"unknown path"}')
            with api.lock:
                api.next_clients.append(self.client_address)
                item = api.events.popleft() if api.events else None
            if item is None:
                return self._send(410, b'{"errorMessage":"no more events"}')
            request_id, body, trace = item
            deadline = int(time.time() * 1000) + api.timeout_ms
            self._send(200, body, [
                ("Content-Type", "application/json"),
                ("Lambda-Runtime-Aws-Request-Id", request_id),
                ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:test"),
                ("Lambda-Runtime-Trace-Id", trace),
            ])

        def do_POST(self):
            headers = {k.lower(): v for k, v in self.headers.items()}
            if headers.get("transfer-encoding", "").lower() == "chunked":
                body, wire, trailers, times = read_chunked(self.rfile)
                self.close_connection = True  # the runtime opens a new one after a stream
            else:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                wire, trailers, times = body, {}, ()
            m = INVOCATION.match(self.path)
            if m:
                kind, request_id = m.group(2), m.group(1)
            elif self.path == PREFIX + "/init/error":
                kind, request_id = "init-error", None
            else:
                return self._send(404, b'{"errorMessage":"unknown path"}')
            with api.lock:
                api.posts.append(Post(kind, request_id, headers, body, self.client_address, wire, trailers, times))
                statuses = api.statuses[kind]
                status = statuses.popleft() if statuses else 202
            if status is NO_ANSWER:
                self.close_connection = True
                return api.closed.wait()
            answer = b'{"status":"OK"}' if status == 202 else b'{"errorMessage":"refused by the emulator"}'
            self._send(status, answer, [("Content-Type", "application/json")])

    return Handler


def main(paths):
    api = RuntimeAPI()
    for path in paths:
        with open(path, "rb") as f:
            api.add_event(f.read())
    print(f"AWS_LAMBDA_RUNTIME_API={api.endpoint}", flush=True)
    try:
        while True:
            time.sleep(0.2)
            with api.lock:
                done, api.posts = api.posts, []
            for post in done:
                print(post.kind, post.request_id, post.body.decode(errors="replace"), flush=True)
    except KeyboardInterrupt:
        api.close()


if __name__ == "__main__":
    main(sys.argv[1:])
