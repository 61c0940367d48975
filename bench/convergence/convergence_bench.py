#!/usr/bin/python3
"""Convergence of sandnet-agent in API mode, measured on real parts.

A host namespace runs sandnet-api (SQLite) and sandnet-agent --api; two veth sandboxes A and B
are plugged. A sends a UDP datagram to B every `--interval-ms`; B timestamps arrivals (one
process, CLOCK_MONOTONIC). B is attached to / detached from a network shared with A through
the API without ?wait; we record, from the API's 200:
  attach: the first datagram that reaches B;  detach: the last datagram that reaches B.
The host view holds N sandboxes: N-2 peers are created in a network with A and plugged on a
second (virtual) host through the host API, so each is a remote endpoint in A's datapath.
Guests get static neighbour entries for each other (the datapath's gateway MAC): the figure is
control-plane + datapath propagation, not the guest's ARP retry timer.

--seed-bin S (bench_convergence_seed): the peers are written straight into the API's database in
one transaction while the API is stopped (100k in seconds; over HTTP it takes minutes). 100k in
view does not fit the default /16 overlay: pass --overlay 10.40.0.0/14 (the API's ip_pool and
the agent's overlay_cidr).

Also per agent: its CPU time (utime + stime, all threads) per change, and its VmHWM.

--baseline-agent B: the same world measures two agent binaries alternately, `--block` cycles
each (A B A B ...); at each switch the agent is restarted on its own state dir (two versions may
write different checkpoints) and the shared pins, A and B are plugged again (an agent's first
start knows no plugs; idempotent otherwise), and each turn starts with an attach and a detach
`?wait=applied` (not measured), so both meet the same load drift. After a size is seeded
each agent in turn takes the new peers as one large changes answer: its VmHWM then
(`agent_vmhwm_catchup_kib`) is read once it caught up, and it is restarted before the first
turn, so both agents' `agent_vmhwm_kib` are a restart plus cycles.

Resync: a contract-conforming stub feed serves a snapshot with `--resync-memberships`
memberships (sandboxes on another host, 10 networks each); we time a fresh agent from exec to
its first POST /applied, then an agent restart that adopts the pinned state, and read the
agent's VmHWM 0.5 s after the report (the checkpoint written after it is part of the peak).

Writes a JSON result; prints a summary. Needs root and bpffs.
"""
import argparse, ctypes, http.server, ipaddress, json, math, os, random, socket, statistics, subprocess, sys, threading, time
import urllib.request

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)
GW_MAC = "02:53:4e:00:00:01"


def sh(*argv, ns=None, check=True):
    if ns:
        argv = ("ip", "-n", ns) + argv[1:] if argv[0] == "ip" else ("nsenter", f"--net=/run/netns/{ns}") + argv
    return subprocess.run(argv, check=check, capture_output=True, text=True).stdout


def enter(ns):
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")
    os.close(fd)


def cpu_seconds(pid):
    """utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vmhwm_kib(pid):
    return int([l for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM")][0].split()[1])


def agent_list(args):
    """[(label, binary)]: the agent under test, then the baseline when given (compared A B A B)."""
    return [("agent", args.agent)] + ([("baseline", args.baseline_agent)] if args.baseline_agent else [])


def agent_config_args(args, directory):
    """--config for a wider overlay than the default (the agent's endpoints array follows it)."""
    if args.overlay == "10.42.0.0/16":
        return []
    json.dump({"overlay_cidr": args.overlay}, open(f"{directory}/agent.json", "w"))
    return ["--config", f"{directory}/agent.json"]


MISS = math.inf  # a change whose traffic never started (attach) or never stopped (detach)


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else None


def latency_summary(samples):
    """Percentiles over every change, a miss counted as infinitely late (so a p99 over more than
    1% misses is a miss, never a flattering number); negative samples (traffic changed before
    the API answered) are kept as measured. JSON has no infinity: a miss there is null."""
    def ms(v):
        return None if v is None or v == MISS else round(v, 3)
    measured = [v for v in samples if v != MISS]
    return {"p50": ms(pct(samples, 50)), "p99": ms(pct(samples, 99)), "max": ms(max(samples) if samples else None),
            "min": ms(min(measured) if measured else None), "samples": len(samples),
            "missed": len(samples) - len(measured)}


def fmt_ms(v):
    return "miss" if v is None else f"{v:.1f} ms"


class World:
    def __init__(self, args, prefix):
        self.args, self.p = args, prefix
        self.host = f"{prefix}-host"
        self.dir = f"/tmp/{prefix}"
        self.pins = f"/sys/fs/bpf/sandnet-bench-{prefix}"
        self.procs = []
        os.makedirs(self.dir, exist_ok=True)
        sh("ip", "netns", "add", self.host)
        sh("ip", "-n", self.host, "link", "set", "lo", "up")

    def spawn(self, argv, log, ns=None):
        cmd = (["nsenter", f"--net=/run/netns/{ns}"] if ns else []) + argv
        p = subprocess.Popen(cmd, stdout=open(log, "ab"), stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def sandbox(self, label, ip):
        ns, tap = f"{self.p}-sb{label}", f"{self.p}t{label}"
        mac = "02:00:" + ":".join(f"{int(x):02x}" for x in ip.split("."))
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", self.host, "link", "add", tap, "type", "veth", "peer", "name", "eth0", "netns", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns, "link", "set", "eth0", "address", mac)
        sh("ip", "-n", ns, "addr", "add", ip + "/16", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", self.host, "link", "set", tap, "up")
        return ns, tap, mac

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if os.path.isdir(self.pins):
            sh(self.args.agent, "purge", "--bpffs-root", self.pins, ns=self.host, check=False)
        for ns in sh("ip", "netns", "list").split("\n"):
            name = ns.split(" ")[0]
            if name.startswith(self.p + "-"):
                sh("ip", "netns", "del", name, check=False)
        subprocess.run(["rm", "-rf", self.dir])


def call(method, url, headers, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={**headers, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())["data"]


class Udp:
    """A sends to B every interval; arrivals (monotonic) are appended to self.arrivals."""

    def __init__(self, a_ns, b_ns, b_ip, interval):
        self.arrivals, self.stop = [], False
        self.lock = threading.Lock()
        ready = threading.Event()

        def recv():
            enter(b_ns)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((b_ip, 9999))
            s.settimeout(0.2)
            ready.set()
            while not self.stop:
                try:
                    s.recv(64)
                except socket.timeout:
                    continue
                t = time.monotonic()
                with self.lock:
                    self.arrivals.append(t)

        def send():
            enter(a_ns)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            nxt = time.monotonic()
            while not self.stop:
                try:
                    s.sendto(b"x", (b_ip, 9999))
                except OSError:
                    pass
                nxt += interval
                d = nxt - time.monotonic()
                if d > 0:
                    time.sleep(d)
                else:
                    nxt = time.monotonic()

        self.threads = [threading.Thread(target=recv, daemon=True), threading.Thread(target=send, daemon=True)]
        self.threads[0].start()
        ready.wait()
        self.threads[1].start()

    def first_after(self, t0, deadline):
        while time.monotonic() < deadline:
            with self.lock:
                for t in reversed(self.arrivals):
                    if t < t0:
                        break
                hits = [t for t in self.arrivals[-2000:] if t >= t0]
            if hits:
                return min(hits)
            time.sleep(0.001)
        return None

    def last_before_quiet(self, t0, quiet, deadline):
        """The last arrival once `quiet` seconds pass without one; MISS when arrivals never stop
        before the deadline; None when nothing arrived after t0 (nothing was flowing)."""
        while time.monotonic() < deadline:
            with self.lock:
                last = self.arrivals[-1] if self.arrivals else 0
            if time.monotonic() - max(last, t0) >= quiet:
                return last if last >= t0 else None
            time.sleep(0.005)
        return MISS


def seed_peers(api, key, host2_token, host2, count, network, threads=8):
    """Creates `count` sandboxes in `network` and plugs them on host2 (remote endpoints)."""
    ids, lock = [], threading.Lock()
    todo = list(range(count))

    def work():
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop()
            name = f"peer-{random.getrandbits(40):010x}"
            sb = call("POST", f"{api}/v1/sandboxes", {"X-Api-Key": key}, {"name": name, "networks": [{"id": network}]})
            call("POST", f"{api}/v1/hosts/{host2}/sandboxes/{sb['id']}/plug", {"X-Host-Token": host2_token},
                 {"mac": "02:00:" + ":".join(f"{int(x):02x}" for x in sb["ip"].split("."))})
            with lock:
                ids.append(sb["id"])

    ts = [threading.Thread(target=work) for _ in range(threads)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    return ids


def convergence(args, result):
    w = World(args, "sncv" + f"{random.getrandbits(16):04x}")
    try:
        enter(w.host)
        db = f"{w.dir}/api.db"
        key = sh(args.api, "users", "create", "bench", "--db", db).strip()
        token = sh(args.api, "hosts", "create", "h1", "--db", db).strip()
        # --remote-live: h2 has an underlay address and is live, so the overlay reaches its
        # sandboxes and they are named in A's hosts table (A's table is the whole view).
        token2 = sh(args.api, "hosts", "create", "h2", "--db", db,
                    *(["--underlay", "192.0.2.2"] if args.remote_live else [])).strip()
        open(f"{w.dir}/h1.token", "w").write(token + "\n")
        # One bench tenant holds the whole view and seeds it as fast as it can: far past the
        # default per-tenant quotas and request rate (docs/api.md).
        config = f"{w.dir}/api.json"
        json.dump({"quota_sandboxes": 10**7, "quota_networks": 10**6, "quota_memberships": 10**8,
                   "quota_addresses": 10**7, "tenant_requests_per_second": 10**6,
                   "host_requests_per_second": 10**6, "ip_pool": args.overlay,
                   **({"host_lease_ms": 4000} if args.remote_live else {})}, open(config, "w"))
        api = "http://127.0.0.1:8080"

        def serve_api():
            p = w.spawn([args.api, "serve", "--listen", "127.0.0.1:8080", "--db", db, "--config", config,
                         "--log-level", "warn"], f"{w.dir}/api.log")
            for _ in range(200):
                try:
                    call("GET", f"{api}/v1/networks", {"X-Api-Key": key})
                    break
                except Exception:
                    time.sleep(0.05)
            return p

        def keep_h2_live():  # its requests renew its lease (4 s; the API turns it live within 1 s)
            while not stop_h2[0]:
                try:
                    call("POST", f"{api}/v1/hosts/h2/applied", {"X-Host-Token": token2}, {"revision": 0}, 5)
                except Exception:
                    pass  # the API is stopped while the bench seeds it
                time.sleep(0.5)

        stop_h2 = [False]
        if args.remote_live:
            threading.Thread(target=keep_h2_live, daemon=True).start()

        api_proc = [serve_api()]
        agents = agent_list(args)

        agent_config = agent_config_args(args, w.dir)

        def start(label, binary):
            # Each agent its own state dir (two versions may write different checkpoints), the
            # same pins: a restart adopts the other agent's maps and catches up from its own
            # checkpoint through the feed.
            return w.spawn([binary, "--api", api, "--host-id", "h1", "--host-token-file", f"{w.dir}/h1.token",
                            "--state-dir", f"{w.dir}/state-{label}", "--run-dir", f"{w.dir}/run",
                            "--bpffs-root", w.pins, "--log-level", args.agent_log_level] + agent_config,
                           f"{w.dir}/agent.log")

        current = [agents[0][0], start(*agents[0])]
        u = {"X-Api-Key": key}
        call("POST", f"{api}/v1/networks", u, {"name": "peers"})
        call("POST", f"{api}/v1/networks", u, {"name": "pair"})
        a = call("POST", f"{api}/v1/sandboxes", u, {"name": "bench-a", "networks": [{"id": "peers"}, {"id": "pair"}]})
        b = call("POST", f"{api}/v1/sandboxes", u, {"name": "bench-b"})
        a_ns, a_tap, _ = w.sandbox("A", a["ip"])
        b_ns, b_tap, _ = w.sandbox("B", b["ip"])
        for _ in range(200):
            if os.path.exists(f"{w.dir}/run/agent.sock"):
                break
            time.sleep(0.05)
        guestd = None
        if args.guestd:
            # A live guest: A's guestd takes every table the agent pushes (A sees the whole view).
            sh("ip", "-n", a_ns, "route", "replace", "169.254.0.1/32", "dev", "eth0", "scope", "link")
            guestd = w.spawn([args.guestd, "--dev", "eth0", "--table", f"{w.dir}/a-hosts.table",
                              "--log-level", "warn"], f"{w.dir}/guestd.log", ns=a_ns)
        plugs = [(a["id"], a_tap), (b["id"], b_tap)]
        for sb_id, tap in plugs:
            sh(args.ctl, "plug", "--sandbox", sb_id, "--tap", tap, "--run-dir", f"{w.dir}/run")
        sh("ip", "-n", a_ns, "neigh", "replace", b["ip"], "lladdr", GW_MAC, "dev", "eth0", "nud", "permanent")
        sh("ip", "-n", b_ns, "neigh", "replace", a["ip"], "lladdr", GW_MAC, "dev", "eth0", "nud", "permanent")
        udp = Udp(a_ns, b_ns, b["ip"], args.interval_ms / 1000)
        seeded = 2
        seeded_now = [False]
        for size in args.sizes:
            seeded_now[0] = size > seeded
            if size > seeded:
                t = time.monotonic()
                if args.seed_bin:  # straight into the database, the API stopped meanwhile
                    api_proc[0].terminate()
                    api_proc[0].wait()
                    sh(args.seed_bin, "--db", db, "--network", "peers", "--host", "h2", "--count",
                       str(size - seeded), "--first", str(seeded), "--ip-pool", args.overlay)
                    api_proc[0] = serve_api()
                else:
                    seed_peers(api, key, token2, "h2", size - seeded, "peers")
                print(f"  seeded {size - seeded} peers in {time.monotonic() - t:.1f} s", flush=True)
                seeded = size
                time.sleep(2)
            stats = {label: {"att": [], "det": [], "det_idle": 0, "cpu": 0.0, "changes": 0, "rss": 0,
                             "guestd_cpu": 0.0} for label, _ in agents}

            def switch_to(label, binary):
                """Restarts the agent as `binary` on its state dir and the shared pins, then waits until
                it has applied the API's state (an attach and a detach with ?wait=applied)."""
                if current[0] != label:
                    current[1].terminate()
                    current[1].wait()
                    current[:] = [label, start(label, binary)]
                for _ in range(400):
                    if subprocess.run([args.ctl, "agent-status", "--run-dir", f"{w.dir}/run"],
                                      capture_output=True).returncode == 0:
                        break
                    time.sleep(0.05)
                # As a runtime would for an agent that lost its state: an agent's first start
                # (its state dir is new) knows no plugs. Idempotent for one that does.
                for sb_id, tap in plugs:
                    sh(args.ctl, "plug", "--sandbox", sb_id, "--tap", tap, "--run-dir", f"{w.dir}/run")
                call("POST", f"{api}/v1/sandboxes/{b['id']}/networks?wait=applied&timeout=60", u, {"id": "pair"}, 90)
                call("DELETE", f"{api}/v1/sandboxes/{b['id']}/networks/pair?wait=applied&timeout=60", u, None, 90)
                time.sleep(0.2)

            catchup = {}
            if len(agents) > 1 and size == seeded and seeded_now[0]:
                # Each agent takes the seeded peers as one large changes answer (from its own
                # checkpoint): its VmHWM then holds that catch-up. Read it once caught up, then
                # restart the agent, so that both agents' figures below start from a restart.
                for label, binary in agents:
                    switch_to(label, binary)
                    catchup[label] = vmhwm_kib(current[1].pid)
                    current[1].terminate()
                    current[1].wait()
                    current[1] = start(label, binary)
                    switch_to(label, binary)
            done = 0
            while done < args.cycles:
                block = min(args.block, args.cycles - done)
                for label, binary in agents:  # A B A B ...: drift hits both alike
                    if len(agents) > 1 or done == 0:
                        switch_to(label, binary)
                    st = stats[label]
                    pid = current[1].pid
                    cpu0 = cpu_seconds(pid)
                    guestd_cpu0 = cpu_seconds(guestd.pid) if guestd else 0.0
                    for i in range(block):
                        t0 = time.monotonic()
                        call("POST", f"{api}/v1/sandboxes/{b['id']}/networks", u, {"id": "pair"})
                        t200 = time.monotonic()
                        first = udp.first_after(t0, t200 + 5)
                        st["att"].append((first - t200) * 1000 if first is not None else MISS)
                        time.sleep(random.uniform(0.02, 0.06))
                        t0 = time.monotonic()
                        call("DELETE", f"{api}/v1/sandboxes/{b['id']}/networks/pair", u)
                        t200 = time.monotonic()
                        last = udp.last_before_quiet(t0, 0.15, t200 + 5)
                        if last is None:  # nothing flowed when the detach began: nothing to time
                            st["det_idle"] += 1
                        else:
                            st["det"].append(MISS if last == MISS else (last - t200) * 1000)
                        time.sleep(random.uniform(0.02, 0.06))
                    if guestd:  # the pushes of the block's last changes may still be on their way
                        time.sleep(0.5)
                        st["guestd_cpu"] += cpu_seconds(guestd.pid) - guestd_cpu0
                    st["cpu"] += cpu_seconds(pid) - cpu0
                    st["changes"] += 2 * block
                    st["rss"] = max(st["rss"], vmhwm_kib(pid))
                done += block
            for label, _ in agents:
                st = stats[label]
                att, det = st["att"], st["det"]
                cpu_ms = st["cpu"] * 1000 / max(1, st["changes"])
                row = {"agent": label, "sandboxes_in_view": size, "changes": st["changes"],
                       "agent_cpu_ms_per_change": round(cpu_ms, 2),
                       "attach_ms": latency_summary(att), "detach_ms": latency_summary(det),
                       "detach_not_flowing": st["det_idle"], "agent_vmhwm_kib": st["rss"]}
                if label in catchup:
                    row["agent_vmhwm_catchup_kib"] = catchup[label]
                if guestd:
                    row["guestd_cpu_ms_per_change"] = round(st["guestd_cpu"] * 1000 / max(1, st["changes"]), 2)
                result["convergence"].append(row)
                a, d = row["attach_ms"], row["detach_ms"]
                print(f"  {size:>6} sandboxes [{label}]: attach p50 {fmt_ms(a['p50'])} p99 {fmt_ms(a['p99'])} "
                      f"({a['missed']} missed) | detach p50 {fmt_ms(d['p50'])} p99 {fmt_ms(d['p99'])} "
                      f"({d['missed']} missed, {st['det_idle']} not flowing) | agent CPU {cpu_ms:.1f} ms/change | "
                      f"{row['changes']} changes | agent VmHWM {st['rss'] / 1024:.1f} MiB"
                      + (f" (catch-up of the seeding {catchup[label] / 1024:.1f} MiB)" if label in catchup else "")
                      + (f" | A's guestd CPU {row['guestd_cpu_ms_per_change']:.1f} ms/change" if guestd else ""),
                      flush=True)
        udp.stop = True
        stop_h2[0] = True
        if args.keep_logs:
            subprocess.run(["cp", f"{w.dir}/agent.log", args.keep_logs])
            if guestd:
                subprocess.run(["cp", f"{w.dir}/guestd.log", args.keep_logs + ".guestd"])
    finally:
        w.close()


class StubFeed(http.server.BaseHTTPRequestHandler):
    snapshot = b""
    applied = None

    def do_GET(self):
        if "since=0" in self.path:
            body = StubFeed.snapshot
        else:
            time.sleep(2)
            body = json.dumps({"status": "success", "data": {"type": "changes", "revision": 1, "sandboxes": [],
                                                             "networks": [], "removed_sandboxes": [],
                                                             "removed_networks": []}}).encode()
        self.answer(body)

    def answer(self, body):
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the agent was stopped (between turns) while the request was open

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        if self.path.endswith("/applied") and StubFeed.applied is not None and not StubFeed.applied.is_set():
            StubFeed.applied.set()
        self.answer(b'{"status":"success","data":{"ok":true}}')

    def log_message(self, *a):
        pass


def resync(args, result):
    memberships = args.resync_memberships
    per_sandbox = 10
    count = memberships // per_sandbox
    overlay = ipaddress.ip_network(args.overlay)
    if count + 512 > overlay.num_addresses:
        sys.exit(f"--resync-memberships {memberships}: {count} sandboxes do not fit --overlay {args.overlay}")
    nets = [f"net-01HZY{n:021d}" for n in range(per_sandbox)]
    sbs = []
    for i in range(count):
        ip = str(overlay.network_address + 256 + i)  # 1M memberships (100k sandboxes) need a /14
        sbs.append({"id": f"sb_01HZY{i:021d}", "name": f"peer-{i}", "ip": ip, "host": "h2", "mac": None,
                    "status": "running", "networks": nets})
    networks = [{"id": n, "name": f"net{k}", "members": [s["id"] for s in sbs]} for k, n in enumerate(nets)]
    # h2 live with an underlay: the agent installs a remote peer only while its host is listed so.
    hosts = [{"id": "h1", "number": 1, "underlay": None, "live": True},
             {"id": "h2", "number": 2, "underlay": "192.0.2.2", "live": True}]
    StubFeed.snapshot = json.dumps({"status": "success", "data": {"type": "snapshot", "revision": 1, "sandboxes": sbs,
                                                                  "networks": networks, "hosts": hosts}}).encode()
    w = World(args, "snrs" + f"{random.getrandbits(16):04x}")
    try:
        enter(w.host)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 8080), StubFeed)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        open(f"{w.dir}/h1.token", "w").write("ht_stub_token\n")
        agent_config = agent_config_args(args, w.dir)
        row = {"memberships": count * per_sandbox, "sandboxes": count, "networks": per_sandbox,
               "snapshot_bytes": len(StubFeed.snapshot)}
        for label, binary in agent_list(args):
            # Fresh pins and state for each agent: "fresh" starts from nothing, "restart" adopts.
            if os.path.isdir(w.pins):
                sh(args.agent, "purge", "--bpffs-root", w.pins, check=False)
            subprocess.run(["rm", "-rf", f"{w.dir}/state"])
            for run in ("fresh", "restart"):
                StubFeed.applied = threading.Event()
                t0 = time.monotonic()
                agent = w.spawn([binary, "--api", "http://127.0.0.1:8080", "--host-id", "h1", "--host-token-file",
                                 f"{w.dir}/h1.token", "--state-dir", f"{w.dir}/state", "--run-dir", f"{w.dir}/run",
                                 "--bpffs-root", w.pins, "--log-level", "warn"] + agent_config, f"{w.dir}/agent.log")
                ok = StubFeed.applied.wait(120)
                dt = time.monotonic() - t0
                time.sleep(0.5)  # the peak may come right after the report (checkpoint base)
                rss = vmhwm_kib(agent.pid)
                # "applied" counts only with every peer in the endpoints map (not a view left out).
                installed = len(json.loads(sh(args.ctl, "dp", "endpoints", "--bpffs-root", w.pins, "-o", "json",
                                              check=False) or "[]"))
                key = run if label == "agent" else f"{label}_{run}"
                row[key] = {"applied": ok and installed >= count, "seconds_to_applied": round(dt, 3),
                            "agent_vmhwm_kib": rss, "endpoints_installed": installed}
                print(f"  resync [{label}] ({run}) of {count * per_sandbox} memberships: {dt * 1000:.0f} ms to applied, "
                      f"{installed} endpoints installed, agent VmHWM {rss / 1024:.1f} MiB", flush=True)
                agent.terminate()
                agent.wait()
        server.shutdown()
        result["resync"] = row
    finally:
        w.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--api", required=True)
    ap.add_argument("--agent", required=True)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",") if x], default=[1000, 10000],
                    help="sandboxes in view, comma-separated; empty (--sizes '') runs the resync only")
    ap.add_argument("--cycles", type=int, default=100, help="attach+detach pairs per size (2 changes each)")
    ap.add_argument("--interval-ms", type=float, default=1.0)
    ap.add_argument("--resync-memberships", type=int, default=100000)
    ap.add_argument("--out", default="convergence.json")
    ap.add_argument("--seed-bin", help="bench_convergence_seed: seed the view into the API's database, not over HTTP")
    ap.add_argument("--overlay", default="10.42.0.0/16",
                    help="the API's ip_pool and the agent's overlay_cidr (100k in view needs a /14)")
    ap.add_argument("--baseline-agent", help="a second agent binary, measured alternately with --agent (A B A B)")
    ap.add_argument("--block", type=int, default=25, help="cycles per agent turn when alternating")
    # On by default: with h2 lost, its peers leave A's hosts table and the tables go unmeasured.
    ap.add_argument("--remote-live", action=argparse.BooleanOptionalAction, default=True,
                    help="h2 gets an underlay address and stays live, so its sandboxes are named in A's table "
                         "(default); --no-remote-live leaves h2 lost (A's table: A and B)")
    ap.add_argument("--guestd", help="sandnet-guestd: run it in A, so A's tables are delivered (a live guest)")
    ap.add_argument("--agent-log-level", default="warn", help="debug: per-change timing spans in the agent's log")
    ap.add_argument("--keep-logs", help="copy the agent's log of the convergence run here (A's guestd's: to FILE.guestd)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIPPED: needs root")
        return 0
    result = {"benchmark": "convergence", "cycles": args.cycles, "interval_ms": args.interval_ms,
              "convergence": [], "targets": {"p99_ms_at_10000": 100, "resync_s": 1, "rss_mib": 64}}
    if args.sizes:
        print("convergence (from the API's 200 to the first/last datagram through the datapath):", flush=True)
        convergence(args, result)
    print("resync:", flush=True)
    resync(args, result)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
