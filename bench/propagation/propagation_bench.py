#!/usr/bin/python3
"""Propagation across hosts (issue 17): from the API's 2xx to every affected host enforcing and
resolving the name, with 3 and 10 host agents on real parts.

The world: an underlay namespace with a bridge where sandnet-api listens (192.0.2.254:8080,
SQLite); N host namespaces on it (ul0 = 192.0.2.i, registered with `hosts create hI --underlay`),
each running sandnet-agent in API mode with the overlay; one receiver sandbox R_i per host, all
in network "prop", each running sandnet-guestd (its hosts table in a file); a probe sandbox X on
host 1. Every R_i sends X a UDP datagram every `--interval-ms` (its index in it); X timestamps
arrivals per sender (CLOCK_MONOTONIC).

A round: X is attached to "prop" (no ?wait), t0 = the API's 2xx; then detached.
  attach, per host i: first datagram from R_i at X after t0 (host i's tap verdict and tunnel, host
    1's decapsulation verdict: both hosts enforce the change);
  detach, per host i: last datagram from R_i before `--quiet-ms` of silence;
  names: the time R_i's hosts table file first holds (attach) / no longer holds (detach) X's name.
Each is summarised per host sample and per change ("every_host_*": the last of the N hosts, when
every affected host enforces or resolves the change).
A sample that never comes within `--deadline-s` (traffic never starts, never stops, the name
never appears or never leaves) is a miss: percentiles count it as infinitely late, never as 0;
negative samples are kept as measured. Sizes are measured one after another, each in its own
world. Writes JSON; prints a summary. Needs root and bpffs.
"""
import argparse, json, math, os, random, socket, struct, subprocess, sys, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "convergence"))
from convergence_bench import (CLONE_NEWNET, GW_MAC, MISS, call, enter, fmt_ms, latency_summary,  # noqa: E402
                               libc, sh)

ROOT_NS_FD = os.open("/proc/self/ns/net", os.O_RDONLY)

API_IP = "192.0.2.254"
PROBE = "probe-sandbox"  # X's name: what the receivers' tables are searched for


class Fleet:
    def __init__(self, args, n):
        self.args, self.n = args, n
        self.p = "snpg" + f"{random.getrandbits(16):04x}"
        self.dir = f"/tmp/{self.p}"
        self.procs, self.pins = [], []
        os.makedirs(self.dir, exist_ok=True)

    def ns(self, name):
        full = f"{self.p}-{name}"
        sh("ip", "netns", "add", full)
        sh("ip", "-n", full, "link", "set", "lo", "up")
        return full

    def spawn(self, argv, log, ns=None):
        cmd = (["nsenter", f"--net=/run/netns/{ns}"] if ns else []) + argv
        p = subprocess.Popen(cmd, stdout=open(log, "ab"), stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for i, pins in enumerate(self.pins, 1):
            if os.path.isdir(pins):
                sh(self.args.agent, "purge", "--bpffs-root", pins, ns=f"{self.p}-h{i}", check=False)
        for line in sh("ip", "netns", "list").split("\n"):
            name = line.split(" ")[0]
            if name.startswith(self.p + "-"):
                sh("ip", "netns", "del", name, check=False)
        if not self.args.keep:
            subprocess.run(["rm", "-rf", self.dir])


class Receiver:
    """X's socket: arrivals per sender index."""

    def __init__(self, ns, ip, n):
        self.arrivals = [[] for _ in range(n)]
        self.lock, self.stop = threading.Lock(), False
        ready = threading.Event()

        def recv():
            enter(ns)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
            s.bind((ip, 9999))
            s.settimeout(0.2)
            ready.set()
            while not self.stop:
                try:
                    data = s.recv(64)
                except socket.timeout:
                    continue
                t = time.monotonic()
                if len(data) == 4:
                    (i,) = struct.unpack("!I", data)
                    if i < n:
                        with self.lock:
                            self.arrivals[i].append(t)

        threading.Thread(target=recv, daemon=True).start()
        ready.wait()

    def first_after(self, i, t0):
        with self.lock:
            hits = [t for t in self.arrivals[i][-4000:] if t >= t0]
        return min(hits) if hits else None

    def last(self, i):
        with self.lock:
            return self.arrivals[i][-1] if self.arrivals[i] else 0.0


def sender(ns, dst, index, interval, stop):
    def run():
        enter(ns)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        payload = struct.pack("!I", index)
        nxt = time.monotonic()
        while not stop[0]:
            try:
                s.sendto(payload, (dst, 9999))
            except OSError:
                pass
            nxt += interval
            d = nxt - time.monotonic()
            if d > 0:
                time.sleep(d)
            else:
                nxt = time.monotonic()

    threading.Thread(target=run, daemon=True).start()


def table_has(path, name):
    try:
        with open(path, "rb") as f:
            return name.encode() in f.read()
    except OSError:
        return False


def measure_size(args, n):
    f = Fleet(args, n)
    try:
        ul = f.ns("ul")
        # A fixed MAC: a bridge takes its ports' lowest otherwise, which changes as hosts join
        # and strands the hosts' ARP entries for the API's address.
        sh("ip", "-n", ul, "link", "add", "br0", "address", "02:53:4e:ff:00:01", "type", "bridge")
        sh("ip", "-n", ul, "link", "set", "br0", "up")
        sh("ip", "-n", ul, "addr", "add", f"{API_IP}/24", "dev", "br0")
        db = f"{f.dir}/api.db"
        key = sh(args.api, "users", "create", "bench", "--db", db).strip()
        config = f"{f.dir}/api.json"
        json.dump({"tenant_requests_per_second": 10**6, "host_requests_per_second": 10**6}, open(config, "w"))
        api = f"http://{API_IP}:8080"
        f.spawn([args.api, "serve", "--listen", f"{API_IP}:8080", "--db", db, "--config", config,
                 "--log-level", "warn"], f"{f.dir}/api.log", ns=ul)
        u = {"X-Api-Key": key}
        enter(ul)  # the bench's own API calls come from the underlay
        for _ in range(200):
            try:
                call("GET", f"{api}/v1/networks", u)
                break
            except Exception:
                time.sleep(0.05)
        call("POST", f"{api}/v1/networks", u, {"name": "prop"})
        hosts = []
        for i in range(1, n + 1):
            h = f.ns(f"h{i}")
            sh("ip", "-n", ul, "link", "add", f"{f.p}u{i}", "type", "veth", "peer", "name", "ul0", "netns", h)
            sh("ip", "-n", ul, "link", "set", f"{f.p}u{i}", "master", "br0", "up")
            sh("ip", "-n", h, "addr", "add", f"192.0.2.{i}/24", "dev", "ul0")
            sh("ip", "-n", h, "link", "set", "ul0", "up")
            token = sh(args.api, "hosts", "create", f"h{i}", "--underlay", f"192.0.2.{i}", "--db", db).strip()
            hd = f"{f.dir}/h{i}"
            os.makedirs(f"{hd}/run", exist_ok=True)
            open(f"{hd}/token", "w").write(token + "\n")
            json.dump({"underlay_device": "ul0", "host_number": i}, open(f"{hd}/agent.json", "w"))
            pins = f"/sys/fs/bpf/sandnet-bench-{f.p}-h{i}"
            f.pins.append(pins)
            f.spawn([args.agent, "--api", api, "--host-id", f"h{i}", "--host-token-file", f"{hd}/token",
                     "--state-dir", f"{hd}/state", "--run-dir", f"{hd}/run", "--bpffs-root", pins,
                     "--config", f"{hd}/agent.json", "--log-level", "warn"], f"{hd}/agent.log", ns=h)
            hosts.append((h, hd))

        def sandbox(label, i, networks):
            h, hd = hosts[i - 1]
            short = "x" if label == PROBE else label
            sb = call("POST", f"{api}/v1/sandboxes", u, {"name": label, "networks": networks})
            ns, tap = f.ns(f"s{short}"), f"{f.p}t{short}"
            mac = "02:00:" + ":".join(f"{int(x):02x}" for x in sb["ip"].split("."))
            sh("ip", "-n", h, "link", "add", tap, "type", "veth", "peer", "name", "eth0", "netns", ns)
            sh("ip", "-n", ns, "link", "set", "eth0", "address", mac)
            sh("ip", "-n", ns, "addr", "add", sb["ip"] + "/16", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", ns, "route", "replace", "169.254.0.1/32", "dev", "eth0", "scope", "link")
            sh("ip", "-n", h, "link", "set", tap, "up")
            for _ in range(200):
                if os.path.exists(f"{hd}/run/agent.sock"):
                    break
                time.sleep(0.05)
            r = subprocess.run([args.ctl, "plug", "--sandbox", sb["id"], "--tap", tap, "--run-dir", f"{hd}/run"],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"sandnetctl plug {label} on h{i}: {r.stdout}{r.stderr}")
            return sb, ns

        x, x_ns = sandbox(PROBE, 1, [])
        receivers = []
        for i in range(1, n + 1):
            sb, ns = sandbox(f"r{i}", i, [{"id": "prop"}])
            table = f"{f.dir}/r{i}.table"
            f.spawn([args.guestd, "--table", table, "--listen-address", sb["ip"], "--dev", "eth0"],
                    f"{f.dir}/guestd-r{i}.log", ns=ns)
            sh("ip", "-n", ns, "neigh", "replace", x["ip"], "lladdr", GW_MAC, "dev", "eth0", "nud", "permanent")
            sh("ip", "-n", x_ns, "neigh", "replace", sb["ip"], "lladdr", GW_MAC, "dev", "eth0", "nud", "permanent")
            receivers.append((sb, ns, table))
        rx = Receiver(x_ns, x["ip"], n)
        stop = [False]
        for i, (_, ns, _) in enumerate(receivers):
            sender(ns, x["ip"], i, args.interval_ms / 1000, stop)
        # Warm-up (not measured): every host enforcing and every table in place.
        call("POST", f"{api}/v1/sandboxes/{x['id']}/networks?wait=applied&timeout=60", u, {"id": "prop"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(table_has(t, PROBE) and rx.last(i) > 0
                                                          for i, (_, _, t) in enumerate(receivers)):
            time.sleep(0.05)
        call("DELETE", f"{api}/v1/sandboxes/{x['id']}/networks/prop?wait=applied&timeout=60", u)
        time.sleep(1)

        s = {"attach": [], "detach": [], "names_attach": [], "names_detach": []}
        for r in range(args.rounds):
            # attach
            t_req = time.monotonic()
            call("POST", f"{api}/v1/sandboxes/{x['id']}/networks", u, {"id": "prop"})
            t0 = time.monotonic()
            first, named = [None] * n, [None] * n
            end = t0 + args.deadline_s
            while time.monotonic() < end and (None in first or None in named):
                for i, (_, _, table) in enumerate(receivers):
                    if first[i] is None:
                        first[i] = rx.first_after(i, t_req)
                    if named[i] is None and table_has(table, PROBE):
                        named[i] = time.monotonic()
                time.sleep(0.0005)
            s["attach"] += [MISS if t is None else (t - t0) * 1000 for t in first]
            s["names_attach"] += [MISS if t is None else (t - t0) * 1000 for t in named]
            time.sleep(0.3)
            # detach
            call("DELETE", f"{api}/v1/sandboxes/{x['id']}/networks/prop", u)
            t0 = time.monotonic()
            gone, last = [None] * n, [None] * n
            end = t0 + args.deadline_s
            quiet = args.quiet_ms / 1000
            while time.monotonic() < end and (None in gone or None in last):
                now = time.monotonic()
                for i, (_, _, table) in enumerate(receivers):
                    if gone[i] is None and not table_has(table, PROBE):
                        gone[i] = now
                    if last[i] is None and now - max(rx.last(i), t0) >= quiet:
                        last[i] = rx.last(i)
                time.sleep(0.0005)
            s["detach"] += [MISS if t is None else (t - t0) * 1000 for t in last]
            s["names_detach"] += [MISS if t is None else (t - t0) * 1000 for t in gone]
            time.sleep(0.3)
            print(f"  {n} hosts, round {r + 1}/{args.rounds}", flush=True)
        stop[0] = True
        rx.stop = True
        # Per change, the last host: when every affected host enforces (resolves) it.
        every = {f"every_host_{k}": latency_summary([max(v[i:i + n]) for i in range(0, len(v), n)])
                 for k, v in s.items()}
        out = {"hosts": n, "rounds": args.rounds, **{k: latency_summary(v) for k, v in s.items()}, **every,
               "raw_ms": {k: [None if v == MISS else round(v, 3) for v in vals] for k, vals in s.items()}}
        return out
    finally:
        enter_root()
        f.close()


def enter_root():
    """Back to the namespace the bench started in (saved at import)."""
    if libc.setns(ROOT_NS_FD, CLONE_NEWNET) != 0:
        raise OSError("setns back to the initial network namespace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--api", required=True)
    ap.add_argument("--agent", required=True)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--guestd", required=True)
    ap.add_argument("--hosts", type=lambda s: [int(x) for x in s.split(",")], default=[3, 10])
    ap.add_argument("--rounds", type=int, default=20, help="attach + detach pairs per size")
    ap.add_argument("--interval-ms", type=float, default=1.0)
    ap.add_argument("--quiet-ms", type=float, default=300.0, help="silence that ends a detach sample")
    ap.add_argument("--deadline-s", type=float, default=5.0, help="a sample later than this is a miss")
    ap.add_argument("--out", default="propagation.json")
    ap.add_argument("--keep", action="store_true", help="keep the world's logs in /tmp")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIPPED: needs root")
        return 77
    result = {"benchmark": "propagation", "interval_ms": args.interval_ms, "quiet_ms": args.quiet_ms,
              "deadline_s": args.deadline_s, "targets": {"p99_ms_at_10_hosts": 100}, "sizes": []}
    for n in args.hosts:
        print(f"propagation with {n} hosts:", flush=True)
        r = measure_size(args, n)
        result["sizes"].append(r)
        for k in ("attach", "detach", "names_attach", "names_detach", "every_host_attach", "every_host_detach",
                  "every_host_names_attach", "every_host_names_detach"):
            v = r[k]
            print(f"  {k:23s} p50 {fmt_ms(v['p50'])} p99 {fmt_ms(v['p99'])} max {fmt_ms(v['max'])} "
                  f"({v['missed']} missed of {v['samples']})", flush=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
