#!/usr/bin/python3
"""bench/api: sandnet-api against bare cpp-httplib, side by side, interleaved A B C A B C.

Three servers:
- sandnet-api: the product (its hardened connection front);
- httplib-loop: the same handlers, store, auth and quotas on httplib's own thread-per-connection
  loop (the front compiled out): the baseline of the ">= 0.7x of bare" target, so the ratio
  is the cost of the hardening;
- fixed-json: httplib answering a fixed JSON with no handler work, a reference for what HTTP
  alone costs on this machine.
Scenarios, each with 1, 64 and 512 keep-alive clients (--clients): GET /v1/networks/{id} (a
network with members) and attach/detach (a wrk Lua script alternating POST attach / DELETE
detach); plus GET with 64 clients while --idle idle keep-alive connections are held open. The
httplib servers get as many worker threads as sandnet-api has workers (threads +
wait_threads). The database is seeded through the store with --networks networks and
--sandboxes sandboxes, and each database-backed server gets its own copy; quotas and request
rates are lifted for the bench's one tenant. Prints a table and writes JSON.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def start(cmd):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        sys.exit(f"server did not start: {cmd[0]}: {line!r}")
    return proc, line[len("listening on "):]


def to_ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def run_wrk(url, path, threads, conns, duration, key, script_args=None):
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--latency",
           "-H", f"X-Api-Key: {key}"]
    if script_args is not None:
        cmd += ["-s", os.path.join(HERE, "attach_detach.lua"), url, "--"] + script_args
    else:
        cmd.append(url + path)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    non_2xx = int(bad.group(1)) if bad else 0
    return {"rps": rps, "rps_2xx": rps * (total - non_2xx) / max(total, 1), "p99_ms": p99,
            "requests": total,
            "non_2xx": non_2xx,
            "socket_errors": errors.group(1) if errors else ""}


def seed_database(seed_bin, db, networks, sandboxes):
    """Seeds `db` through the store; returns (API key, a network id, seconds taken)."""
    t0 = time.time()
    seeded = subprocess.run([seed_bin, "--db", db, "--networks", str(networks),
                             "--sandboxes", str(sandboxes)],
                            capture_output=True, text=True, check=True).stdout.split()
    return seeded[0], seeded[1], time.time() - t0


def write_serve_config(path):
    """Quotas and the tenant rate lifted for the bench's one tenant."""
    with open(path, "w") as f:
        json.dump({"tenant_requests_per_second": 0, "quota_memberships": 10**9,
                   "quota_sandboxes": 10**9, "quota_networks": 10**9,
                   "quota_addresses": 10**9, "max_connections": 4096}, f)


def stop_servers(procs):
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()


def hold_idle(url, count):
    """Opens `count` connections that send nothing: idle clients (both servers close them
    after 5 s, so the runs with them are shorter)."""
    host, port = url.split("//")[1].rsplit(":", 1)
    return [socket.create_connection((host, int(port)), timeout=10) for _ in range(count)]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--api-bin", required=True)
    ap.add_argument("--bare-bin", required=True, help="the fixed-JSON httplib server")
    ap.add_argument("--httplib-loop-bin", required=True,
                    help="sandnet-api built with httplib's own connection loop")
    ap.add_argument("--seed-bin", required=True)
    ap.add_argument("--networks", type=int, default=1000)
    ap.add_argument("--sandboxes", type=int, default=10000)
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--rounds", type=int, default=3, help="A B pairs per scenario")
    ap.add_argument("--threads", type=int, default=8, help="sandnet-api threads")
    ap.add_argument("--wait-threads", type=int, default=64, help="sandnet-api wait_threads")
    ap.add_argument("--clients", default="1,64,512", help="keep-alive client counts")
    ap.add_argument("--idle", type=int, default=500, help="idle connections for the idle row")
    ap.add_argument("--out", default="bench-api.json")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="sandnet-bench-api-")
    procs = []
    try:
        db = os.path.join(work, "bench.db")
        key, net_id, seed_s = seed_database(args.seed_bin, db, args.networks, args.sandboxes)
        config = os.path.join(work, "serve.json")
        write_serve_config(config)
        loop_db = os.path.join(work, "loop.db")
        shutil.copyfile(db, loop_db)

        def serve(binary, database):
            return start([binary, "serve", "--listen", "127.0.0.1:0", "--db", database,
                          "--log-level", "warn", "--config", config,
                          "--threads", str(args.threads),
                          "--wait-threads", str(args.wait_threads)])
        api, api_url = serve(args.api_bin, db)
        procs.append(api)
        loop, loop_url = serve(args.httplib_loop_bin, loop_db)
        procs.append(loop)
        workers = args.threads + args.wait_threads
        bare, bare_url = start([args.bare_bin, "127.0.0.1", str(workers)])
        procs.append(bare)
        targets = {"sandnet-api": api_url, "httplib-loop": loop_url, "fixed-json": bare_url}
        scenarios = {}
        for c in [int(x) for x in args.clients.split(",")]:
            scenarios[f"get_network_c{c}"] = dict(path=f"/v1/networks/{net_id}",
                                                  threads=min(2, c), conns=c, script_args=None)
            # One connection per wrk thread: each detach follows its own attach.
            scenarios[f"attach_detach_c{c}"] = dict(
                path="", threads=c, conns=c, script_args=[key, str(args.sandboxes), str(c)])
        # Idle connections are closed after the 5 s keep-alive timeout (both servers): the
        # run is kept shorter so they stay open throughout.
        scenarios[f"get_network_c64_idle{args.idle}"] = dict(
            path=f"/v1/networks/{net_id}", threads=2, conns=64, script_args=None,
            idle=args.idle, duration=min(args.duration, 4))
        runs = []
        for name, sc in scenarios.items():
            for rnd in range(args.rounds):
                for target in targets:  # A B C A B C ...
                    held = hold_idle(targets[target], sc.get("idle", 0))
                    try:
                        r = run_wrk(targets[target], sc["path"], sc["threads"], sc["conns"],
                                    sc.get("duration", args.duration), key, sc["script_args"])
                    finally:
                        for h in held:
                            h.close()
                    r.update(scenario=name, target=target, round=rnd)
                    runs.append(r)
                    print(f"{name:14} round {rnd} {target:13} {r['rps']:10.0f} req/s  "
                          f"p99 {r['p99_ms']:8.2f} ms  non-2xx {r['non_2xx']}", flush=True)
        summary = {}
        for name in scenarios:
            s = {}
            for target in targets:
                mine = [r for r in runs if r["scenario"] == name and r["target"] == target]
                s[target] = {"rps_median": statistics.median(r["rps"] for r in mine),
                             "rps_2xx_median": statistics.median(r["rps_2xx"] for r in mine),
                             "p99_ms_median": statistics.median(r["p99_ms"] for r in mine)}
            # Paired per round, so drift of the shared machine cancels within a round.
            # Answers that were not 2xx (e.g. 503 overloaded) do not count as throughput.
            # None: the baseline answered nothing in that round (e.g. every worker held by
            # idle connections); such rounds have no ratio.
            mine = [r for r in runs if r["scenario"] == name and r["target"] == "sandnet-api"]
            for base in ("httplib-loop", "fixed-json"):
                theirs = [r for r in runs if r["scenario"] == name and r["target"] == base]
                ratios = [a["rps_2xx"] / b["rps_2xx"] if b["rps_2xx"] > 0 else None
                          for a, b in zip(mine, theirs)]
                valid = [x for x in ratios if x is not None]
                s[f"rps_ratio_over_{base}_median"] = statistics.median(valid) if valid else None
                s[f"rps_ratio_over_{base}_per_round"] = ratios
            summary[name] = s
        result = {"config": vars(args) | {"seed_seconds": round(seed_s, 2)},
                  "runs": runs, "summary": summary}
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
        print()
        for name, s in summary.items():
            cells = [f"{t} {s[t]['rps_2xx_median']:.0f} 2xx/s p99 {s[t]['p99_ms_median']:.2f} ms"
                     for t in targets]
            print(f"{name}: " + " | ".join(cells) +
                  f" | ratio over httplib-loop {s['rps_ratio_over_httplib-loop_median']}"
                  f", over fixed-json {s['rps_ratio_over_fixed-json_median']}")
        print(f"wrote {args.out}")
    finally:
        stop_servers(procs)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
