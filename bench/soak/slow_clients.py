"""Hold N slow connections open against a server for a while: each sends a
request head one byte at a time, a byte every PAUSE seconds, never
finishing it (a slowloris). When the server cuts one (its header timeout),
it is opened again at once, so that N sockets are always held. Prints how
many connections were opened and how many the server closed.

    slow_clients.py HOST PORT N SECONDS [PAUSE]
"""
import asyncio
import sys

HEAD = b"GET /api/health HTTP/1.1\r\nHost: soak\r\nX-Slow: " + b"s" * 4096


async def hold(host, port, pause, stop, counts):
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            counts["refused"] += 1
            await asyncio.sleep(pause)
            continue
        counts["opened"] += 1
        try:
            for byte in HEAD:
                if stop.is_set():
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                try:
                    await asyncio.wait_for(reader.read(1), timeout=pause)
                    counts["closed_by_server"] += 1  # an answer (408) or EOF: the server cut it
                    break
                except asyncio.TimeoutError:
                    pass
        except OSError:
            counts["closed_by_server"] += 1
        finally:
            writer.close()


async def main(host, port, n, seconds, pause):
    stop = asyncio.Event()
    counts = {"opened": 0, "closed_by_server": 0, "refused": 0}
    tasks = [asyncio.create_task(hold(host, port, pause, stop, counts)) for _ in range(n)]
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.wait(tasks, timeout=pause + 5)
    print(" ".join(f"{k} {v}" for k, v in counts.items()), flush=True)


if __name__ == "__main__":
    host, port, n, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    asyncio.run(main(host, port, n, seconds, float(sys.argv[5]) if len(sys.argv) > 5 else 2.0))
