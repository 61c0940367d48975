#!/usr/bin/python3
"""bench/api: sandnet-api vs a bare cpp-httplib handler, side by side, interleaved A B A B.

Scenarios: GET /v1/networks/{id} (a network with members) and attach/detach (a wrk Lua
script alternating POST attach / DELETE detach). The database is seeded through the store
with --networks networks and --sandboxes sandboxes first. Prints a table and writes JSON.
"""
import argparse
import json
import os
import re
import shutil
import signal
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
    return {"rps": rps, "p99_ms": p99, "requests": total,
            "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--api-bin", required=True)
    ap.add_argument("--bare-bin", required=True)
    ap.add_argument("--seed-bin", required=True)
    ap.add_argument("--networks", type=int, default=1000)
    ap.add_argument("--sandboxes", type=int, default=10000)
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--rounds", type=int, default=3, help="A B pairs per scenario")
    ap.add_argument("--threads", type=int, default=8, help="server worker threads (both)")
    ap.add_argument("--get-connections", type=int, default=8)
    ap.add_argument("--write-connections", type=int, default=4)
    ap.add_argument("--out", default="bench-api.json")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="sandnet-bench-api-")
    procs = []
    try:
        db = os.path.join(work, "bench.db")
        t0 = time.time()
        seeded = subprocess.run([args.seed_bin, "--db", db, "--networks", str(args.networks),
                                 "--sandboxes", str(args.sandboxes)],
                                capture_output=True, text=True, check=True).stdout.split()
        key, net_id = seeded[0], seeded[1]
        seed_s = time.time() - t0
        api, api_url = start([args.api_bin, "serve", "--listen", "127.0.0.1:0", "--db", db,
                              "--log-level", "warn", "--threads", str(args.threads)])
        bare, bare_url = start([args.bare_bin, "127.0.0.1", str(args.threads)])
        procs = [api, bare]
        targets = {"sandnet-api": api_url, "bare-httplib": bare_url}
        wc = args.write_connections
        scenarios = {
            "get_network": dict(path=f"/v1/networks/{net_id}", threads=2,
                                conns=args.get_connections, script_args=None),
            "attach_detach": dict(path="", threads=wc, conns=wc,
                                  script_args=[key, str(args.sandboxes), str(wc)]),
        }
        runs = []
        for name, sc in scenarios.items():
            for rnd in range(args.rounds):
                for target in ("sandnet-api", "bare-httplib"):  # A B A B ...
                    r = run_wrk(targets[target], sc["path"], sc["threads"], sc["conns"],
                                args.duration, key, sc["script_args"])
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
                             "p99_ms_median": statistics.median(r["p99_ms"] for r in mine)}
            # Paired per round, so drift of the shared machine cancels within a pair.
            ratios = [a["rps"] / b["rps"] for a, b in zip(
                [r for r in runs if r["scenario"] == name and r["target"] == "sandnet-api"],
                [r for r in runs if r["scenario"] == name and r["target"] == "bare-httplib"])]
            s["rps_ratio_api_over_bare_median"] = statistics.median(ratios)
            s["rps_ratio_per_round"] = ratios
            summary[name] = s
        result = {"config": vars(args) | {"seed_seconds": round(seed_s, 2)},
                  "runs": runs, "summary": summary}
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
        print()
        for name, s in summary.items():
            a, b = s["sandnet-api"], s["bare-httplib"]
            print(f"{name}: sandnet-api {a['rps_median']:.0f} req/s p99 {a['p99_ms_median']:.2f} ms"
                  f" | bare {b['rps_median']:.0f} req/s p99 {b['p99_ms_median']:.2f} ms"
                  f" | ratio {s['rps_ratio_api_over_bare_median']:.3f}")
        print(f"wrote {args.out}")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
