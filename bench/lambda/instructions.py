"""Instructions per warm invocation of a Lambda bootstrap: the one figure this
shared, noisy machine cannot blur.

    instructions.py [--sampled] [--body TEXT] EVENT_FILE N -- BOOTSTRAP [ARGS...]

Runs the bootstrap under callgrind twice against the tests' Runtime API
emulator (tests/integration/runtime_api.py), once for 1 invocation of the
event and once for 1 + N, each run ending when /next answers 410 (the
bootstrap then exits, and callgrind writes its counts). Prints
"instructions X": the difference of the two totals over N, the user-space
instructions of one warm invocation (its cold start and exit cancel out).
Each invocation's trace header says Sampled=0, as most do on Lambda;
--sampled makes it Sampled=1 (X-Ray subsegments are then sent, to
$AWS_XRAY_DAEMON_ADDRESS).
Every answer must be a 200 gateway response, else the exit status is 1;
with --body, its body must also be TEXT. warm_instructions() is the same
for another script (bench/curves/event_size.py).
The bootstrap's environment is this script's."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../tests/integration"))
from runtime_api import RuntimeAPI  # noqa: E402


TRACE = "Root=1-6741e2a9-0123456789abcdef01234567;Parent=9a9197af755a6419;Sampled=%d"


def total_instructions(event, invocations, command, sampled, body):
    api = RuntimeAPI(timeout_ms=600000)  # under callgrind an invocation is ~50x slower
    try:
        for _ in range(invocations):
            api.add_event(event, trace=TRACE % sampled)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "callgrind.out")
            env = {**os.environ, "AWS_LAMBDA_RUNTIME_API": api.endpoint}
            subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600, check=False)
            with open(out) as f:
                summary = next(line for line in f if line.startswith("summary:"))
        answers = [json.loads(p.body) for p in api.posts if p.kind == "response"]
        statuses = [a.get("statusCode") for a in answers]
        if len(statuses) != invocations or any(s != 200 for s in statuses):
            sys.exit(f"instructions.py: {invocations} invocations got {statuses[:5]}...")
        wrong = [a.get("body") for a in answers if body is not None and a.get("body") != body]
        if wrong:
            sys.exit(f"instructions.py: {len(wrong)} answers were {wrong[0]!r:.200}, not {body!r}")
        return int(summary.split()[1])
    finally:
        api.close()


def warm_instructions(event, n, command, sampled=False, body=None):
    """Instructions per warm invocation of the event (bytes), over n."""
    one = total_instructions(event, 1, command, sampled, body)
    many = total_instructions(event, 1 + n, command, sampled, body)
    return (many - one) // n


def main():
    args = sys.argv[1:]
    sampled = args[:1] == ["--sampled"]
    args = args[1:] if sampled else args
    body = args[1] if args[:1] == ["--body"] and len(args) > 1 else None
    args = args[2:] if body is not None else args
    if len(args) < 4 or args[2] != "--":
        sys.exit(__doc__)
    with open(args[0], "rb") as f:
        event = f.read()
    print(f"instructions {warm_instructions(event, int(args[1]), args[3:], sampled, body)}")


if __name__ == "__main__":
    main()
