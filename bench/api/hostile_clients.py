#!/usr/bin/python3
"""bench/api: what hostile and heavy clients do to a sandnet-api binary (docs/api.md,
Connection limits). Runs the given binary on loopback with a throw-away database and reports:

- flood: a GET /v1/networks/{id} timed (median and max of --samples) with nothing else open,
  then with --idle idle keep-alive connections and --slow slowloris sockets held open;
- bodies: the server's VmRSS/VmHWM after a 100 MB chunked body and after a 100 MB body with
  no length (each on a fresh server), and whether an HTTP answer came back.

Every load is bounded in count and time and stays on 127.0.0.1. Prints JSON.
Usage: hostile_clients.py SANDNET_API_BIN [--idle 500] [--slow 200]"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time


def start(api_bin, db):
    proc = subprocess.Popen([api_bin, "serve", "--listen", "127.0.0.1:0", "--db", db,
                             "--log-level", "error"], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        sys.exit(f"server did not start: {line!r}")
    return proc, int(line.rsplit(":", 1)[1])


def mem_kb(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        key = line.split(":")[0]
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(line.split()[1])
    return out


def timed_get(port, path, key, timeout=30.0):
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Api-Key: {key}\r\n"
                  "Connection: close\r\n\r\n".encode())
        data = s.recv(64)
        s.close()
        status = int(data.split()[1]) if data.startswith(b"HTTP/1.1 ") else 0
    except OSError:
        status = 0
    return (time.monotonic() - t0) * 1e3, status


def samples(port, path, key, n):
    runs = [timed_get(port, path, key) for _ in range(n)]
    ms = sorted(r[0] for r in runs)
    return {"median_ms": round(ms[len(ms) // 2], 2), "max_ms": round(ms[-1], 2),
            "statuses": sorted({r[1] for r in runs})}


def flood(api_bin, tmp, idle, slow, n):
    db = os.path.join(tmp, "flood.db")
    key = subprocess.run([api_bin, "users", "create", "alice", "--db", db], check=True,
                         capture_output=True, text=True).stdout.strip()
    proc, port = start(api_bin, db)
    held = []
    try:
        s = socket.create_connection(("127.0.0.1", port))
        body = b'{"name":"flooded"}'
        s.sendall(b"POST /v1/networks HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + key.encode() +
                  b"\r\nContent-Type: application/json\r\nConnection: close\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        s.recv(4096)
        s.close()
        path = "/v1/networks/flooded"
        quiet = samples(port, path, key, n)
        t0 = time.monotonic()
        for _ in range(idle):
            c = socket.create_connection(("127.0.0.1", port), timeout=10)
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                c.recv(1024)
            except OSError:
                pass
            held.append(c)
        for _ in range(slow):
            c = socket.create_connection(("127.0.0.1", port), timeout=10)
            c.sendall(b"GET /v1/networks HTTP/1.1\r\nHost: x\r\nX-Slow: a")
            held.append(c)
        opened_s = time.monotonic() - t0
        loaded = samples(port, path, key, n)
        return {"idle": idle, "slow": slow, "open_s": round(opened_s, 2), "quiet": quiet,
                "flooded": loaded}
    finally:
        for c in held:
            c.close()
        proc.kill()
        proc.wait()


def body(api_bin, tmp, name, head, piece, total):
    db = os.path.join(tmp, name + ".db")
    key = subprocess.run([api_bin, "users", "create", "alice", "--db", db], check=True,
                         capture_output=True, text=True).stdout.strip()
    proc, port = start(api_bin, db)
    try:
        before = mem_kb(proc.pid)
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(head.replace(b"KEY", key.encode()))
        reply, sent, offset, t0 = b"", 0, 0, time.monotonic()
        s.setblocking(False)
        while sent < total and not reply and time.monotonic() - t0 < 60:
            try:
                n = s.send(piece[offset:])  # whole pieces only: a partial send continues
                offset = (offset + n) % len(piece)
                sent += n
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                break
            try:
                reply += s.recv(4096)
            except (BlockingIOError, OSError):
                pass
        s.setblocking(True)
        s.settimeout(5)
        try:
            s.shutdown(socket.SHUT_WR)
            reply += s.recv(4096)
        except OSError:
            pass
        s.close()
        time.sleep(0.2)
        after = mem_kb(proc.pid)
        return {"sent_mb": round(sent / 2**20, 1), "answer": reply.split(b"\r\n")[0].decode(errors="replace"),
                "rss_before_kb": before["VmRSS"], "hwm_after_kb": after["VmHWM"],
                "rss_after_kb": after["VmRSS"]}
    finally:
        proc.kill()
        proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("api_bin")
    ap.add_argument("--idle", type=int, default=500)
    ap.add_argument("--slow", type=int, default=200)
    ap.add_argument("--samples", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sandnet-hostile-") as tmp:
        result = {"flood": flood(args.api_bin, tmp, args.idle, args.slow, args.samples)}
        mb100 = 100 * 2**20
        chunk = b"10000\r\n" + b"a" * 0x10000 + b"\r\n"
        result["chunked_100mb"] = body(
            args.api_bin, tmp, "chunked",
            b"POST /v1/networks HTTP/1.1\r\nHost: x\r\nX-Api-Key: KEY\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", chunk, mb100)
        result["no_length_100mb"] = body(
            args.api_bin, tmp, "nolength",
            b"POST /v1/networks HTTP/1.1\r\nHost: x\r\nX-Api-Key: KEY\r\n"
            b"Content-Type: application/json\r\n\r\n", b"z" * 0x10000, mb100)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
