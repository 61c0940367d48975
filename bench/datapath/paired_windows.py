"""Paired window comparison of the in-place benchmarks (DESIGN.md, Benchmarks).

Windows alternate base, X, base, Y, ...: each X window is compared with the
mean of the base windows on either side of it, and each base window with the
base windows two steps away, which gives the noise floor.
"""
import statistics


def summarize(costs, configs, base="base"):
    """costs: [(config, ns per unit or None)] in window order.
    Returns {config: {windows, median_ns, median_delta_ns, p25_delta_ns,
    p75_delta_ns, ratio_vs_base}}, base first (its deltas = noise floor)."""
    deltas = {c: [] for c in [base] + configs}
    values = {c: [] for c in [base] + configs}
    for k, (cfg, cost) in enumerate(costs):
        if cost is None:
            continue
        values[cfg].append(cost)
        step = 2 if cfg == base else 1
        nb = [costs[j][1] for j in (k - step, k + step) if 0 <= j < len(costs) and costs[j][1]]
        if len(nb) == 2:
            deltas[cfg].append(cost - sum(nb) / 2)
    out = {}
    for cfg in [base] + configs:
        d, v = deltas[cfg], values[cfg]
        if not d:
            continue
        q = statistics.quantiles(d, n=4) if len(d) > 1 else [d[0]] * 3
        out[cfg] = {"windows": len(v), "median_ns": statistics.median(v),
                    "median_delta_ns": statistics.median(d), "p25_delta_ns": q[0], "p75_delta_ns": q[2]}
    base_ns = out.get(base, {}).get("median_ns", 1)
    for r in out.values():
        r["ratio_vs_base"] = (base_ns + r["median_delta_ns"]) / base_ns
    return out
