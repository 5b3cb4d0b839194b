"""What a Lambda bootstrap's cold start costs, part by part, in counts that
this shared, noisy machine cannot blur; items against the floor.

    coldstart.py EVENT_FILE FLOOR -- BOOTSTRAP [ARGS...]

Each bootstrap answers one invocation of the event from the tests' Runtime
API emulator (tests/integration/runtime_api.py), several times over:
  - under callgrind, its user-space instructions, cut in two where it first
    calls connect() (the Runtime API connection): before it, the dynamic
    loader (_dl_start), libc functions bound at their first call
    (_dl_runtime_resolve*) and the rest, which is libc's start, the static
    constructors and the app's construction; after it, the first event,
    the response and the exit on the emulator's 410 (names from the
    libc6-dbg symbols; "—" without them);
  - alone, its page faults and touched pages at its first response (the
    emulator holds the 202 while /proc/PID is read);
  - under strace -f -c, its system calls, by kind;
  - with LD_DEBUG=bindings, the symbols the loader binds in it.
Prints a Markdown table: measure, floor, bootstrap, difference. The
bootstrap's environment is this script's."""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../tests/integration"))
from runtime_api import NO_ANSWER, RuntimeAPI  # noqa: E402

TIMEOUT_S = 120
SYSCALL_KINDS = {  # strace's names; the rest are "other"
    "memory": {"mmap", "munmap", "mprotect", "brk"},
    "files": {"openat", "open", "read", "pread64", "newfstatat", "fstat", "lseek", "access", "close", "readlink"},
    "network": {"socket", "connect", "sendto", "recvfrom", "setsockopt", "sendmsg", "recvmsg", "write", "writev"},
}


def run_once(event, command, prefix=(), env=None, hold=False):
    """Runs command (after prefix) for one invocation of event. With hold, the
    202 to its response never comes: returns /proc/PID/stat's fields and
    smaps_rollup read at that point, then ends the bootstrap."""
    api = RuntimeAPI(response_statuses=(NO_ANSWER,) if hold else (), timeout_ms=600000)
    api.add_event(event)
    try:
        full_env = {**os.environ, **(env or {}), "AWS_LAMBDA_RUNTIME_API": api.endpoint}
        proc = subprocess.Popen([*prefix, *command], env=full_env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        if not hold:
            try:
                _, err = proc.communicate(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                sys.exit(f"coldstart.py: {command[0]} did not exit within {TIMEOUT_S} s")
            return err.decode(errors="replace")
        deadline = time.monotonic() + TIMEOUT_S
        while not any(p.kind == "response" for p in api.posts):
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                sys.exit(f"coldstart.py: {command[0]} sent no response")
            time.sleep(0.0005)
        with open(f"/proc/{proc.pid}/stat") as f:
            stat = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{proc.pid}/smaps_rollup") as f:
            rollup = dict(re.findall(r"^(\w+):\s+(\d+) kB", f.read(), re.M))
        proc.kill()
        proc.wait()
        return stat, rollup
    finally:
        api.close()


def inclusive(annotated, pattern):
    """The largest inclusive count of a function whose name matches pattern."""
    counts = [int(m.group(1).replace(",", "")) for m in
              re.finditer(r"^\s*([\d,]+) \([^)]*\)\s+\S*?:?(" + pattern + r")(?:'\d+)? \[", annotated, re.M)]
    return max(counts, default=None)


def program_total(annotated):
    return int(re.search(r"^\s*([\d,]+) \S*\s+PROGRAM TOTALS", annotated, re.M).group(1).replace(",", ""))


def instruction_parts(event, command):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        run_once(event, command, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                  "--dump-before=connect"])
        # The dump at connect() is out.1; what follows it is out itself.
        if not os.path.exists(out + ".1"):
            sys.exit(f"coldstart.py: {command[0]} never called connect() under callgrind")
        before, after = (subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", d],
                                        capture_output=True, text=True, check=True).stdout
                         for d in (out + ".1", out))
    total = [program_total(a) for a in (before, after)]
    loader = inclusive(before, "_dl_start")
    binding = [inclusive(a, r"_dl_runtime_resolve\w*") or 0 for a in (before, after)]
    own = total[0] - loader - binding[0] if loader is not None else None
    return {"total": total[0] + total[1], "loader": loader, "binding": binding[0] + binding[1], "start": own,
            "event": total[1] - binding[1]}


def faults_and_pages(event, command):
    stat, rollup = run_once(event, command, hold=True)
    # /proc/PID/stat after the name: state is field 3, minflt 10, majflt 12.
    return {"minflt": int(stat[7]), "majflt": int(stat[9]), "rss_file": int(rollup.get("Rss", 0)) -
            int(rollup.get("Anonymous", 0)), "rss_anon": int(rollup.get("Anonymous", 0))}


def syscalls(event, command):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "strace.out")
        run_once(event, command, ["strace", "-f", "-c", "-o", out])
        with open(out) as f:
            rows = re.findall(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", f.read(), re.M)
    counts = {name: int(calls) for calls, name in rows if name != "total"}
    kinds = {kind: sum(counts.get(n, 0) for n in names) for kind, names in SYSCALL_KINDS.items()}
    kinds["all"] = sum(counts.values())
    return kinds


def bindings(event, command):
    err = run_once(event, command, env={"LD_DEBUG": "bindings"})
    return len(re.findall(r"binding file " + re.escape(command[0]) + r" \[0\] to", err))


def measure(event, command):
    m = instruction_parts(event, command)
    m.update(faults_and_pages(event, command))
    m.update({"syscalls_" + k: v for k, v in syscalls(event, command).items()})
    m["bindings"] = bindings(event, command)
    m["size"] = os.path.getsize(command[0]) // 1024
    return m


ROWS = [
    ("total", "user-space instructions, exec to exit (1 invocation, callgrind)"),
    ("loader", "&nbsp;&nbsp;dynamic loader before main: libc mapped, relocations"),
    ("binding", "&nbsp;&nbsp;libc functions bound at their first call (lazy binding)"),
    ("start", "&nbsp;&nbsp;libc start, constructors, the app built, until the Runtime API connect"),
    ("event", "&nbsp;&nbsp;connect, GET /next, the event, the response, exit on 410"),
    ("bindings", "symbols bound by the loader (LD_DEBUG=bindings)"),
    ("minflt", "page faults by the first response, minor"),
    ("majflt", "page faults by the first response, major"),
    ("rss_file", "KiB of files mapped and touched (binary, libc, loader) by then"),
    ("rss_anon", "KiB of anonymous memory (heap, stack, data written) by then"),
    ("syscalls_all", "system calls, exec to exit (strace -f -c)"),
    ("syscalls_memory", "&nbsp;&nbsp;mmap, mprotect, munmap, brk"),
    ("syscalls_files", "&nbsp;&nbsp;open, read, stat, access, close"),
    ("syscalls_network", "&nbsp;&nbsp;socket, connect, send, receive, write"),
    ("size", "binary, KiB"),
]


def main():
    args = sys.argv[1:]
    if len(args) < 4 or args[2] != "--":
        sys.exit(__doc__)
    with open(args[0], "rb") as f:
        event = f.read()
    floor, items = measure(event, [args[1]]), measure(event, args[3:])
    print("| measure | floor | items | items − floor |\n|---|---:|---:|---:|")
    for key, label in ROWS:
        a, b = floor.get(key), items.get(key)
        cells = [f"{v:,}" if v is not None else "—" for v in (a, b)]
        diff = f"{b - a:+,}" if a is not None and b is not None else "—"
        print(f"| {label} | {cells[0]} | {cells[1]} | {diff} |")


if __name__ == "__main__":
    main()
