#!/usr/bin/python3
"""bench/datapath xdp_vs_tc: does the early-drop XDP program pay on a tap?

dp_xdp_vs_tc (C++) creates real taps in a private netns, loads the real
datapath on them with the real loader, and has a writer pinned to one CPU
write 64-byte frames into sandbox A's tap fd, as a VM backend does; on a tap
the whole receive path runs inside write(), so the writer's thread CPU time
per frame is the full cost. Configurations switch every window: TC-only,
TC + XDP (tap_xdp attached natively), TC-only, TC + XDP lite (tap_xdp
without hash lookups: spoofing drops only), TC-only, TC + an XDP program
that passes everything (the price of XDP itself), ... Each XDP window is compared
with the mean of the TC-only windows on either side of it, and each TC-only
window with its TC-only neighbours, which is the noise floor
(paired_windows.py, as forward_bench.py).
Kinds: spoof_ip, spoof_mac, arp_not_peer (hostile drops), deny
(NO_SHARED_NETWORK), allow (redirected to B's tap, drained by a reader).
Usage: xdp_vs_tc.py --build BUILD_DIR [--duration 30] [--veth] [--out FILE]
"""
import argparse, json, subprocess, sys

import paired_windows

KINDS = ["spoof_ip", "spoof_mac", "arp_not_peer", "deny", "allow"]


def run(args, device):
    cmd = [f"{args.build}/bench/datapath/dp_xdp_vs_tc", "--device", device, "--kinds", ",".join(args.kinds),
           "--duration", str(args.duration), "--window", str(args.window), "--cpu", str(args.cpu)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120 + 2 * args.duration * len(args.kinds))
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def report(kind_run):
    costs = [(w["config"], w["cpu_ns"] / w["frames"] if w["frames"] else None) for w in kind_run["windows"]]
    configs = sorted({w["config"] for w in kind_run["windows"]} - {"tc"})
    s = paired_windows.summarize(costs, configs, base="tc")
    r = {"xdp_mode": kind_run["xdp_mode"], "drops_counted": kind_run["drops_counted"],
         "write_errors": kind_run["write_errors"], "frames": sum(w["frames"] for w in kind_run["windows"])}
    if "received_by_peer" in kind_run:
        r["received_by_peer"] = kind_run["received_by_peer"]
    for cfg, stats in s.items():
        r["tc_only" if cfg == "tc" else f"tc_{cfg}"] = stats
    return r


def print_table(device, results):
    print(f"{device}: writer CPU per 64-byte frame (median of windows); delta = TC+XDP window minus its TC-only"
          f" neighbours; lite, empty: the same for XDP without hash lookups and for an XDP program passing"
          f" everything; noise = TC-only vs TC-only")
    print(f"{'kind':<13} {'TC-only':>8} {'TC+XDP':>8} {'delta':>7} {'p25..p75':>15} {'ratio':>6}"
          f" {'lite':>7} {'p25..p75':>15} {'empty':>7} {'p25..p75':>15} {'noise':>7} {'p25..p75':>15}")
    rel = lambda r: f"{r['median_delta_ns']:>+7.0f} {r['p25_delta_ns']:>+7.0f}..{r['p75_delta_ns']:>+6.0f}"
    for kind, r in results.items():
        t, x, l, e = r.get("tc_only"), r.get("tc_xdp"), r.get("tc_xdp_lite"), r.get("tc_xdp_empty")
        if not t or not x:
            print(f"{kind:<13} (too few windows)")
            continue
        print(f"{kind:<13} {t['median_ns']:>8.0f} {x['median_ns']:>8.0f} {rel(x)} {x['ratio_vs_base']:>6.2f}"
              f" {rel(l) if l else '':>23} {rel(e) if e else '':>23} {rel(t)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--duration", type=float, default=30, help="seconds of windows per kind and device")
    ap.add_argument("--window", type=float, default=0.5)
    ap.add_argument("--cpu", type=int, default=1)
    ap.add_argument("--kinds", type=lambda s: s.split(","), default=KINDS)
    ap.add_argument("--veth", action="store_true", help="also on veth stand-in taps")
    ap.add_argument("--out", default="xdp_vs_tc.json")
    args = ap.parse_args()
    result = {"benchmark": "datapath_xdp_vs_tc", "frame_bytes": 64, "window_s": args.window,
              "duration_s_per_kind": args.duration, "devices": {}}
    for device in ["tap"] + (["veth"] if args.veth else []):
        results = {k["kind"]: report(k) for k in run(args, device)}
        result["devices"][device] = results
        print_table(device, results)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
