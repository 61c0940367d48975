#!/usr/bin/env python3
"""Feed fan-out bench (docs/host-feed.md, "Fan-out bench").

N simulated hosts long-poll the host feed across R sandnet-api replicas on one throw-away
PostgreSQL cluster (scripts/lib/pg_cluster.sh), each over one raw keep-alive HTTP connection
(asyncio). One network has a member placed on every host, so each change (a new member,
created through the replicas in turn) is in every host's view. For each change: the time
from the API's 2xx to the last host answered with it, and the SQL statements all replicas
executed for it (sandnet_api_store_statements_total, summed from /metrics).

Two configurations, alternated round by round in one run (A B A B): the shared feed poll
(feed_follower: true, long-poll 30 s) and the per-request path (feed_follower: false); the
latter cannot wake another replica's long-polls, so its hosts use the documented workaround,
a short long-poll (1 s). A host not answered within --miss-after seconds scores as a miss.

The database is seeded with SQL (2,000 placements one by one through the API would write
O(hosts^2) change-index rows); the hosts start at the seed's revision.
"""
import argparse, asyncio, hashlib, json, os, re, secrets, statistics, subprocess, sys, time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER = os.path.join(REPO, "scripts/lib/pg_cluster.sh")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def fake_ulid(i, salt):
    n, out = i * 7919 + salt * 1_000_003, ""
    for _ in range(26):
        out += CROCKFORD[n % 32]
        n //= 32
    return out[::-1]


def psql(uri, sql):
    subprocess.run(["psql", uri, "-q", "-v", "ON_ERROR_STOP=1"], input=sql, text=True,
                   check=True, stdout=subprocess.DEVNULL)


def seed(api_bin, uri, hosts):
    key = subprocess.run([api_bin, "users", "create", "bench", "--db", uri], check=True,
                         capture_output=True, text=True).stdout.strip()
    net = "net-" + fake_ulid(1, 99)
    tokens, sql = [], ["BEGIN;",
                       "UPDATE meta SET value = value + 1 WHERE name = 'revision';",
                       f"INSERT INTO networks(id, user_id, name, created_at, revision) SELECT '{net}',"
                       " id, 'fan', '2026-12-06T00:00:00Z', 1 FROM users WHERE name = 'bench';"]
    for i in range(hosts):
        host, sb = f"fh{i}", "sb_" + fake_ulid(i, 7)
        key_id, secret = secrets.token_hex(8), secrets.token_bytes(32)
        tokens.append((host, f"ht_{key_id}_{secret.hex()}"))
        digest = hashlib.sha256(secret).hexdigest()
        ip = f"10.{43 + i // 65536}.{(i // 256) % 256}.{i % 256}"
        sql += [f"INSERT INTO host_tokens(token_id, host_id, secret_hash, created_at) VALUES"
                f" ('{key_id}', '{host}', '\\x{digest}', '2026-12-06T00:00:00Z');",
                f"INSERT INTO sandboxes(id, user_id, name, status, ip, host, mac, created_at, revision)"
                f" SELECT '{sb}', id, '{host}-vm', 'running', '{ip}', '{host}', '02:00:00:00:00:01',"
                f" '2026-12-06T00:00:00Z', 1 FROM users WHERE name = 'bench';",
                f"INSERT INTO members(network_id, sandbox_id, revision) VALUES ('{net}', '{sb}', 1);",
                f"INSERT INTO network_hosts(network_id, host, members) VALUES ('{net}', '{host}', 1);"]
    # No change-log rows for the seed: the log starts at its revision (1).
    sql += ["UPDATE meta SET value = (SELECT value FROM meta WHERE name = 'revision')"
            " WHERE name = 'feed_log_floor';", "COMMIT;"]
    psql(uri, "\n".join(sql))
    return key, net, tokens, 1


class Replica:
    def __init__(self, api_bin, uri, config_path):
        self.proc = subprocess.Popen([api_bin, "serve", "--listen", "127.0.0.1:0", "--db", uri,
                                      "--config", config_path, "--log-level", "warn"],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r":(\d+)\s*$", line)
        if not m:
            raise RuntimeError(f"replica did not start: {line!r}")
        self.port = int(m.group(1))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def http(reader, writer, method, path, headers, body=b""):
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(head.encode() + b"\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        k, _, v = line.decode().partition(":")
        if k.lower() == "content-length":
            length = int(v)
    data = await reader.readexactly(length)
    return int(status_line.split()[1]), data


async def one_shot(port, method, path, headers, body=b""):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await http(reader, writer, method, path, headers, body)
    finally:
        writer.close()


async def metric_each(replicas, name):
    values = []
    for r in replicas:
        _, data = await one_shot(r.port, "GET", "/metrics", {})
        m = re.search(rf"^{name} (\d+)$", data.decode(), re.M)
        values.append(int(m.group(1)) if m else 0)
    return values


class Host:
    def __init__(self, name, token):
        self.name, self.token, self.revision = name, token, 0
        self.seen = {}  # sandbox name -> time answered
        self.answers = 0

    async def run(self, port, poll_timeout, stop):
        headers = {"X-Host-Token": self.token}
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                while not stop.is_set():
                    path = f"/v1/hosts/{self.name}/feed?since={self.revision}&timeout={poll_timeout}"
                    status, data = await http(reader, writer, "GET", path, headers)
                    now = time.monotonic()
                    if status != 200:
                        await asyncio.sleep(0.2)
                        continue
                    self.answers += 1
                    d = json.loads(data)["data"]
                    self.revision = max(self.revision, d["revision"])
                    for sb in d.get("sandboxes", []):
                        self.seen.setdefault(sb["name"], now)
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                await asyncio.sleep(0.2)


def pct(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def round_(mode, replicas, key, net, hosts, changes, miss_after, serial):
    stop = asyncio.Event()
    poll_timeout = 30 if mode == "follower" else 1
    # Hosts join in batches: a request holds a database connection until it waits, and the
    # store's pool grows with concurrent requests (2,000 at once exceed max_connections).
    tasks = []
    for i, h in enumerate(hosts):
        tasks.append(asyncio.create_task(h.run(replicas[i % len(replicas)].port, poll_timeout, stop)))
        if i % 50 == 49:
            await asyncio.sleep(0.2)
    await asyncio.sleep(5)  # every host connected and long-polling
    results = []
    for k in range(changes):
        name = f"c{serial}-{k}"
        writer_replica = replicas[k % len(replicas)]
        s0 = await metric_each(replicas, "sandnet_api_store_statements_total")
        body = json.dumps({"name": name, "networks": [{"id": net}]}).encode()
        status, data = await one_shot(writer_replica.port, "POST", "/v1/sandboxes",
                                      {"X-Api-Key": key, "Content-Type": "application/json"}, body)
        acked = time.monotonic()  # latencies from the 2xx (a host may be told a bit sooner)
        assert status == 200, data
        deadline = acked + miss_after
        while time.monotonic() < deadline and any(name not in h.seen for h in hosts):
            await asyncio.sleep(0.01)
        answered = [h.seen[name] - acked for h in hosts if name in h.seen]
        s1 = await metric_each(replicas, "sandnet_api_store_statements_total")
        delta = [b - a for a, b in zip(s0, s1)]
        writer_index = k % len(replicas)
        misses = len(hosts) - len(answered)
        results.append({"mode": mode, "change": name, "misses": misses,
                        "all_answered_s": None if misses else max(answered),
                        "host_p50_s": pct(answered, 50), "host_p99_s": pct(answered, 99),
                        # All replicas; the writer's include the write itself (one change-index
                        # row per touched host); the others' are only feed work.
                        "statements": sum(delta),
                        "statements_other_replicas": sum(delta) - delta[writer_index]})
        print(json.dumps(results[-1]), flush=True)
        await asyncio.sleep(0.5)
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return results


def summarize(rows):
    out = {}
    for mode in sorted({r["mode"] for r in rows}):
        mine = [r for r in rows if r["mode"] == mode]
        full = [r["all_answered_s"] for r in mine if r["all_answered_s"] is not None]
        out[mode] = {"changes": len(mine), "changes_with_misses": sum(1 for r in mine if r["misses"]),
                     "all_answered_p50_s": pct(full, 50), "all_answered_p99_s": pct(full, 99),
                     "statements_per_change_median": statistics.median(r["statements"] for r in mine),
                     "statements_other_replicas_median":
                         statistics.median(r["statements_other_replicas"] for r in mine)}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--api-bin", required=True)
    ap.add_argument("--hosts", type=int, default=2000)
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--changes", type=int, default=5, help="changes per round")
    ap.add_argument("--rounds", type=int, default=2, help="A B rounds")
    ap.add_argument("--miss-after", type=float, default=20.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    cluster = subprocess.run([CLUSTER, "start"], check=True, capture_output=True,
                             text=True).stdout.strip().splitlines()[-1]
    uri = f"postgresql:///postgres?host={cluster}&user=postgres"
    rows = []
    try:
        key, net, tokens, revision = seed(a.api_bin, uri, a.hosts)
        hosts = [Host(h, t) for h, t in tokens]
        # Each host starts holding its view at the seed's revision (a snapshot of a network
        # of 2,000 members costs a statement per member and is not what this bench measures).
        for h in hosts:
            h.revision = revision
        wait_threads = a.hosts // a.replicas + 100
        serial = 0
        for rnd in range(a.rounds):
            for mode in ("follower", "per_request"):
                config = os.path.join(cluster, f"serve-{mode}.json")
                with open(config, "w") as f:
                    json.dump({"feed_follower": mode == "follower", "wait_threads": wait_threads,
                               "max_connections": 4096, "quota_sandboxes": 100000,
                               "quota_memberships": 100000, "quota_addresses": 100000}, f)
                replicas = [Replica(a.api_bin, uri, config) for _ in range(a.replicas)]
                try:
                    rows += asyncio.run(round_(mode, replicas, key, net, hosts, a.changes,
                                               a.miss_after, serial))
                finally:
                    for r in replicas:
                        r.stop()
                serial += 1
    finally:
        subprocess.run([CLUSTER, "remove", cluster], check=False)
    result = {"bench": "feed_fanout", "hosts": a.hosts, "replicas": a.replicas,
              "changes_per_round": a.changes, "rounds": a.rounds, "summary": summarize(rows),
              "changes": rows}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result["summary"], indent=2))


if __name__ == "__main__":
    sys.exit(main())
