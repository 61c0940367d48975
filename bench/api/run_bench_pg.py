#!/usr/bin/python3
"""bench/api: sandnet-api on SQLite, on PostgreSQL with 1 replica and with 3 replicas, side by
side in one run, alternated A B C per round (docs/api.md, "Benchmark", PostgreSQL).

One database is seeded through the store (--networks, --sandboxes, each sandbox a member of one
network); the SQLite server gets a copy of the file, and `sandnet-api migrate` copies it into
two databases of a throw-away PostgreSQL cluster (scripts/lib/pg_cluster.sh; removed at the
end): one for the single replica, one shared by the three replicas. wrk cannot balance, so the
clients are split round-robin over the replicas: each replica gets its own wrk with a third of
the connections (one client: replica 0 alone), started together; req/s are summed and the p99
reported is the highest of the three (an upper bound of the merged p99). Scenarios:
GET /v1/networks/{id} and attach/detach (attach_detach.lua, the wrk processes sharing the
sandboxes disjointly) with --clients keep-alive clients. Prints a table and writes JSON with
the load average before and after.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import statistics
import subprocess
import tempfile

from run_bench import run_wrk, seed_database, start, stop_servers, write_serve_config

HERE = os.path.dirname(os.path.abspath(__file__))
PG_CLUSTER = os.path.join(HERE, "..", "..", "scripts", "lib", "pg_cluster.sh")
TARGETS = ("sqlite", "pg-1-replica", "pg-3-replicas")


def split(conns, parts):
    """conns spread round-robin over `parts` replicas; replicas with none are left out."""
    return [n for n in (conns // parts + (1 if i < conns % parts else 0) for i in range(parts))
            if n > 0]


def run_split(urls, sc, duration, key, sandboxes):
    """One wrk per replica URL at once; summed throughput, worst p99."""
    shares = split(sc["conns"], len(urls))
    jobs = []
    first = 0
    for url, conns in zip(urls, shares):
        if sc["attach"]:
            # One connection per wrk thread; the processes share the sandboxes disjointly.
            args = dict(threads=conns, conns=conns,
                        script_args=[key, str(sandboxes), str(conns), str(first),
                                     str(sc["conns"])])
            first += conns
        else:
            args = dict(threads=min(2, conns), conns=conns, script_args=None)
        jobs.append((url, args))
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        parts = list(pool.map(lambda j: run_wrk(j[0], sc["path"], j[1]["threads"],
                                                j[1]["conns"], duration, key,
                                                j[1]["script_args"]), jobs))
    return {"rps": sum(p["rps"] for p in parts), "rps_2xx": sum(p["rps_2xx"] for p in parts),
            "p99_ms": max(p["p99_ms"] for p in parts),
            "requests": sum(p["requests"] for p in parts),
            "non_2xx": sum(p["non_2xx"] for p in parts),
            "socket_errors": "; ".join(p["socket_errors"] for p in parts if p["socket_errors"]),
            "wrk_processes": len(parts)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--api-bin", required=True)
    ap.add_argument("--seed-bin", required=True)
    ap.add_argument("--networks", type=int, default=1000)
    ap.add_argument("--sandboxes", type=int, default=10000)
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--rounds", type=int, default=3, help="A B C rounds per scenario")
    ap.add_argument("--threads", type=int, default=8, help="sandnet-api threads")
    ap.add_argument("--wait-threads", type=int, default=64, help="sandnet-api wait_threads")
    ap.add_argument("--clients", default="1,64", help="keep-alive client counts")
    ap.add_argument("--out", default="bench-api-pg.json")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="sandnet-bench-api-pg-")
    procs = []
    cluster = None
    load_before = os.getloadavg()
    try:
        cluster = subprocess.run([PG_CLUSTER, "start"], capture_output=True, text=True,
                                 check=True).stdout.strip()

        def uri(db):
            return f"postgresql:///{db}?host={cluster}&user=postgres"

        db = os.path.join(work, "bench.db")
        key, net_id, seed_s = seed_database(args.seed_bin, db, args.networks, args.sandboxes)
        for name in ("bench1", "bench3"):
            subprocess.run(["psql", "-q", "-d", uri("postgres"), "-c", f"CREATE DATABASE {name}"],
                           check=True)
            subprocess.run([args.api_bin, "migrate", "--from", db, "--to", uri(name)],
                           check=True, capture_output=True)
        config = os.path.join(work, "serve.json")
        write_serve_config(config)

        def serve(database):
            proc, url = start([args.api_bin, "serve", "--listen", "127.0.0.1:0", "--db",
                               database, "--log-level", "warn", "--config", config,
                               "--threads", str(args.threads),
                               "--wait-threads", str(args.wait_threads)])
            procs.append(proc)
            return url
        targets = {"sqlite": [serve(db)], "pg-1-replica": [serve(uri("bench1"))],
                   "pg-3-replicas": [serve(uri("bench3")) for _ in range(3)]}
        scenarios = {}
        for c in [int(x) for x in args.clients.split(",")]:
            scenarios[f"get_network_c{c}"] = dict(path=f"/v1/networks/{net_id}", conns=c,
                                                  attach=False)
            scenarios[f"attach_detach_c{c}"] = dict(path="", conns=c, attach=True)
        runs = []
        for name, sc in scenarios.items():
            for rnd in range(args.rounds):
                for target in TARGETS:  # A B C A B C ...
                    r = run_split(targets[target], sc, args.duration, key, args.sandboxes)
                    r.update(scenario=name, target=target, round=rnd)
                    runs.append(r)
                    print(f"{name:18} round {rnd} {target:14} {r['rps_2xx']:10.0f} 2xx/s  "
                          f"p99 {r['p99_ms']:8.2f} ms  non-2xx {r['non_2xx']}", flush=True)
        summary = {}
        for name in scenarios:
            s = {}
            mine = {t: [r for r in runs if r["scenario"] == name and r["target"] == t]
                    for t in TARGETS}
            for t in TARGETS:
                s[t] = {"rps_2xx_median": statistics.median(r["rps_2xx"] for r in mine[t]),
                        "p99_ms_median": statistics.median(r["p99_ms"] for r in mine[t])}
            # Paired per round, so drift of the shared machine cancels within a round.
            for t in TARGETS[1:]:
                ratios = [a["rps_2xx"] / b["rps_2xx"] if b["rps_2xx"] > 0 else None
                          for a, b in zip(mine[t], mine["sqlite"])]
                valid = [x for x in ratios if x is not None]
                s[f"{t}_over_sqlite_median"] = statistics.median(valid) if valid else None
                s[f"{t}_over_sqlite_per_round"] = ratios
            summary[name] = s
        result = {"config": vars(args) | {"seed_seconds": round(seed_s, 2),
                                          "loadavg_before": load_before,
                                          "loadavg_after": os.getloadavg(),
                                          "postgresql": "15, pg_cluster.sh defaults "
                                                        "(fsync and synchronous_commit on, "
                                                        "unix socket)"},
                  "runs": runs, "summary": summary}
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
        print()
        for name, s in summary.items():
            cells = [f"{t} {s[t]['rps_2xx_median']:.0f}/s p99 {s[t]['p99_ms_median']:.2f} ms"
                     for t in TARGETS]
            print(f"{name}: " + " | ".join(cells) +
                  f" | 1 replica / sqlite {s['pg-1-replica_over_sqlite_median']:.2f}"
                  f", 3 replicas / sqlite {s['pg-3-replicas_over_sqlite_median']:.2f}")
        print(f"load average before {load_before}, after {os.getloadavg()}")
        print(f"wrote {args.out}")
    finally:
        stop_servers(procs)
        if cluster:
            subprocess.run([PG_CLUSTER, "remove", cluster], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
