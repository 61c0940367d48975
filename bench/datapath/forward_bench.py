#!/usr/bin/python3
"""bench/datapath (b): in-place forwarding cost per 64-byte packet.

A UDP sender pinned to one CPU in sandbox netns A floods sandbox B through a
"host" netns; it reports its own thread CPU time per packet every 100 ms (the
veth -> host -> veth path runs in its softirq). Configurations switch every
0.5 s as base, X, base, Y, ... where base is plain kernel routing with no
filter; each X window is compared with the mean of the base windows around
it, and base windows compared the same way give the noise floor.
X: empty (empty TCX program on both taps), nft (set-based ruleset of the same
policy, sender in 16 networks), sandnet (the real datapath: redirect), and
with --variant NAME=OBJ the real datapath's maps and links running another
build's programs (e.g. the pre-change object), for paired comparisons.
(c) with --iperf: veth TCP throughput, base vs sandnet, interleaved.
Usage: forward_bench.py --build BUILD_DIR [--duration 60] [--out FILE]
"""
import argparse, json, os, statistics, subprocess, sys, threading, time

import paired_windows

P = f"snfb{os.getpid() % 100000}"  # per run: concurrent runs never share names
NS_H, NS_A, NS_B = f"{P}-h", f"{P}-a", f"{P}-b"
GW = "02:53:4e:00:00:01"
A_IP, B_IP, A_MAC, B_MAC = "10.42.0.1", "10.42.0.2", "02:00:0a:2a:00:01", "02:00:0a:2a:00:02"


def sh(cmd, check=True):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{cmd}: {r.stderr.strip()}")
    return r.stdout


def ns(name, cmd, check=True):
    return sh(f"nsenter --net=/run/netns/{name} {cmd}", check)


def cleanup():
    for n in (NS_A, NS_B, NS_H):
        sh(f"ip netns del {n}", check=False)
    if os.path.exists(f"/tmp/{P}-nft.conf"):
        os.remove(f"/tmp/{P}-nft.conf")


def setup(nets_a):
    cleanup()
    for n in (NS_H, NS_A, NS_B):
        sh(f"ip netns add {n}")
        ns(n, "ip link set lo up")
    for side, ip, mac in (("a", A_IP, A_MAC), ("b", B_IP, B_MAC)):
        g = NS_A if side == "a" else NS_B
        sh(f"ip link add {P}-t{side} netns {NS_H} address {GW} type veth peer name eth0 netns {g}")
        ns(g, f"ip link set eth0 address {mac}")
        ns(g, f"ip addr add {ip}/16 dev eth0")
        ns(g, "ip link set eth0 up")
        ns(NS_H, f"ip link set {P}-t{side} up")
        ns(NS_H, f"ip route add {ip}/32 dev {P}-t{side}")
    ns(NS_H, "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0")
    # Static neighbours: the datapath and plain routing both see the same frames.
    ns(NS_A, f"ip neigh replace {B_IP} lladdr {GW} dev eth0 nud permanent")
    ns(NS_H, f"ip neigh replace {B_IP} lladdr {B_MAC} dev {P}-tb nud permanent")
    # The same policy as nftables sets: one set of members per network,
    # A in networks 0..n-1, B only in the last; a rule per network.
    rules = [f"table ip sbench {{"]
    for i in range(64):
        members = []
        if i >= 64 - nets_a:
            members.append(A_IP)
        if i == 63:
            members.append(B_IP)
        elems = f"elements = {{ {', '.join(members)} }}" if members else ""
        rules.append(f"  set n{i} {{ type ipv4_addr; {elems} }}")
    rules.append("  chain fwd_policy { type filter hook forward priority 0; policy drop;")
    for i in range(64):
        rules.append(f"    ip saddr @n{i} ip daddr @n{i} accept")
    rules.append("  }\n}")
    with open(f"/tmp/{P}-nft.conf", "w") as f:
        f.write("\n".join(rules) + "\n")


class Switcher:
    def __init__(self, build, nets_a, variants=()):
        self.variants = [v.split("=", 1)[0] for v in variants]
        self.proc = subprocess.Popen(
            [f"{build}/bench/datapath/dp_fwd_switch", "--netns", f"/run/netns/{NS_H}",
             "--tap-a", f"{P}-ta", "--tap-b", f"{P}-tb", "--ip-a", A_IP, "--ip-b", B_IP,
             "--mac-a", A_MAC, "--mac-b", B_MAC, "--gateway-mac", GW, "--nets-a", str(nets_a),
             "--bpffs-root", f"/sys/fs/bpf/sandnet-bench-{P}"] + [f"--variant={v}" for v in variants],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def cmd(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise RuntimeError(f"{line}: {answer}")

    def set(self, config, on):
        if config == "nft":
            ns(NS_H, f"nft -f /tmp/{P}-nft.conf" if on else "nft delete table ip sbench")
        elif config in ("empty", "sandnet"):
            self.cmd(f"{config} {'on' if on else 'off'}")
        elif config in self.variants:
            self.cmd(f"variant {config} {'on' if on else 'off'}")

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def receiver():
    # A bound socket with a tiny buffer: B never answers ICMP port unreachable.
    return subprocess.Popen(
        ["nsenter", f"--net=/run/netns/{NS_B}", "/usr/bin/python3", "-c",
         "import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
         "s.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,4096)\ns.bind(('0.0.0.0',9))\ntime.sleep(100000)"])


def udp_arrivals():
    """Datagrams that reached B's UDP layer (delivered or dropped at the socket)."""
    lines = [l.split() for l in ns(NS_B, "cat /proc/net/snmp").splitlines() if l.startswith("Udp:")]
    d = dict(zip(lines[0][1:], map(int, lines[1][1:])))
    return d["InDatagrams"] + d["InErrors"] + d["NoPorts"]


def forwarding(args, sw):
    configs = ["empty", "nft", "sandnet"] + sw.variants if not args.only_sandnet else ["sandnet"] + sw.variants
    samples = []  # (arrival time, ns/pkt, pkts)
    sender = subprocess.Popen(
        [f"{args.build}/bench/datapath/dp_udp_sender", "--netns", f"/run/netns/{NS_A}", "--dst", B_IP,
         "--cpu", str(args.cpu), "--duration", str(args.duration + 2)], stdout=subprocess.PIPE, text=True)

    def read():
        for line in sender.stdout:
            d = json.loads(line)
            if d["pkts"]:
                samples.append((time.monotonic(), d["cpu_ns"] / d["pkts"], d["pkts"]))
    t = threading.Thread(target=read, daemon=True)
    t.start()
    time.sleep(1.0)  # warm-up
    windows = []  # (config, start, end)
    start = time.monotonic()
    i = 0
    current = "base"
    arrivals = udp_arrivals()
    while time.monotonic() - start < args.duration:
        nxt = "base" if i % 2 else configs[(i // 2) % len(configs)]
        if current != "base":
            sw.set(current, False)
        if nxt != "base":
            sw.set(nxt, True)
        t0 = time.monotonic()
        time.sleep(args.window)
        t1 = time.monotonic()
        now_arrivals = udp_arrivals()
        windows.append((nxt, t0, t1, now_arrivals - arrivals))
        arrivals = now_arrivals
        current = nxt
        i += 1
    if current != "base":
        sw.set(current, False)
    sender.wait()
    t.join(timeout=5)

    # A sample (ending at its arrival time) counts for a window if it lies
    # entirely inside it (100 ms interval + 20 ms of slack for the switch).
    def window_cost(w):
        vals = [(c, n) for (ts, c, n) in samples if w[1] + 0.12 <= ts <= w[2]]
        pk = sum(n for _, n in vals)
        return sum(c * n for c, n in vals) / pk if pk else None

    def window_sent(w):
        return sum(n for (ts, c, n) in samples if w[1] <= ts <= w[2])

    costs = [(w[0], window_cost(w)) for w in windows]
    delivered = {}
    for w in windows:
        s_, d_ = delivered.get(w[0], (0, 0))
        delivered[w[0]] = (s_ + window_sent(w), d_ + w[3])
    out = {}
    for cfg, r in paired_windows.summarize(costs, configs).items():
        out[cfg] = {"windows": r["windows"], "median_ns_per_pkt": r["median_ns"],
                    "median_delta_vs_base_ns": r["median_delta_ns"], "p25_delta_ns": r["p25_delta_ns"],
                    "p75_delta_ns": r["p75_delta_ns"], "ratio_vs_base": r["ratio_vs_base"],
                    "delivered_fraction": delivered[cfg][1] / max(delivered[cfg][0], 1)}
    print(f"{'config':<8} {'windows':>7} {'ns/pkt':>8} {'delta vs base':>14} {'p25..p75':>16} {'ratio':>6} {'delivered':>9}")
    for cfg, r in out.items():
        print(f"{cfg:<8} {r['windows']:>7} {r['median_ns_per_pkt']:>8.0f} {r['median_delta_vs_base_ns']:>+14.0f}"
              f" {r['p25_delta_ns']:>+7.0f}..{r['p75_delta_ns']:>+7.0f} {r['ratio_vs_base']:>6.2f}"
              f" {r['delivered_fraction']:>9.2f}")
    return out


def throughput(args, sw):
    """(c) veth TCP throughput A -> B, base vs sandnet, interleaved."""
    srv = subprocess.Popen(["nsenter", f"--net=/run/netns/{NS_B}", "iperf3", "-s"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:  # nsenter execs iperf3: srv.pid is the server's
        return measure_throughput(args, sw)
    finally:
        srv.kill()
        srv.wait()


def measure_throughput(args, sw):
    time.sleep(0.5)
    ns(NS_B, f"ip neigh replace {A_IP} lladdr {GW} dev eth0 nud permanent")
    ns(NS_H, f"ip neigh replace {A_IP} lladdr {A_MAC} dev {P}-ta nud permanent")
    res = {"base": [], "sandnet": []}
    for rnd in range(args.iperf_rounds):
        for cfg in ("base", "sandnet"):
            if cfg == "sandnet":
                sw.set("sandnet", True)
            out = ns(NS_A, f"timeout {args.iperf_seconds + 20} iperf3 -c {B_IP} -t {args.iperf_seconds} -J")
            if cfg == "sandnet":
                sw.set("sandnet", False)
            bps = json.loads(out)["end"]["sum_received"]["bits_per_second"]
            res[cfg].append(bps / 1e9)
    r = {k: {"gbit_s": v, "median_gbit_s": statistics.median(v)} for k, v in res.items()}
    r["ratio_sandnet_vs_base"] = r["sandnet"]["median_gbit_s"] / r["base"]["median_gbit_s"]
    print(f"TCP A->B: base {r['base']['median_gbit_s']:.2f} Gbit/s, sandnet {r['sandnet']['median_gbit_s']:.2f} Gbit/s"
          f" (ratio {r['ratio_sandnet_vs_base']:.2f})")
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--window", type=float, default=0.5)
    ap.add_argument("--cpu", type=int, default=1)
    ap.add_argument("--nets", type=int, default=16)
    ap.add_argument("--iperf", action="store_true")
    ap.add_argument("--no-forwarding", action="store_true", help="only (c)")
    ap.add_argument("--iperf-rounds", type=int, default=3)
    ap.add_argument("--iperf-seconds", type=int, default=3)
    ap.add_argument("--out", default="forward_bench.json")
    ap.add_argument("--variant", action="append", default=[], help="NAME=OBJ: another build, as a config")
    ap.add_argument("--only-sandnet", action="store_true", help="skip the empty and nft anchors")
    args = ap.parse_args()
    setup(args.nets)
    rcv = receiver()
    sw = Switcher(args.build, args.nets, args.variant)
    try:
        result = {"benchmark": "datapath_forwarding_in_place", "frame_bytes": 64,
                  "nets_per_sandbox": args.nets, "window_s": args.window, "duration_s": args.duration}
        if not args.no_forwarding:
            result["forwarding"] = forwarding(args, sw)
        if args.iperf:
            result["tcp_throughput"] = throughput(args, sw)
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
        print(f"wrote {args.out}")
    finally:
        sw.close()
        rcv.kill()
        cleanup()


if __name__ == "__main__":
    main()
