#!/usr/bin/env python3
"""Where a run's time goes on the session's thread pool, loop by loop.

  KILN_POOL_TRACE=/tmp/t kiln-run m.so x.npy --threads 2 --bench 200
  KILN_POOL_TRACE=/tmp/t1 kiln-run m.so x.npy --threads 1 --bench 200
  bench/pool_trace.py /tmp/t.<pid>.0 [--vs /tmp/t1.<pid>.0] [--top 20]

The runtime writes a trace when the pool is destroyed (pool_trace.h): every
run's start, every parallel loop from post to join, every chunk on the
thread that ran it, every loop run inline. Here the runs are cut at their
starts, and each loop of a run (the n-th loop of every run is the same
kernel's) gets the median over the runs of its span, of each thread's
busy time and of the idle time at its end (threads x span - busy: the fork,
the join and uneven tasks). With --vs a trace of the same model on fewer
threads, loop by loop where both have as many loops a run: the speedup
and the time lost against a perfect split, which is where the threads
lose (tasks that take longer because their input sits in the other core's
cache show as busy time above the fewer threads' span).

A diagnostic, not a benchmark: compare loops within one trace or traces
taken side by side; the host's slow spells move everything.
"""
import argparse
import collections
import statistics
import sys


def read(path):
    """(threads, runs): each run a list of loops in order, each loop a dict
    of its kind, iterations, span and busy time per thread (us)."""
    events = []
    threads = 1
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                if "threads" in line:
                    threads = int(line.split("threads")[1].split(",")[0])
                continue
            kind, loop, thread, first, count, t0, t1 = map(int, line.split())
            events.append((kind, loop, thread, first, count, t0, t1))
    starts = sorted(e[5] for e in events if e[0] == 3)
    busy = collections.defaultdict(lambda: collections.Counter())
    chunks = collections.Counter()
    loops = []
    for kind, loop, thread, first, count, t0, t1 in events:
        if kind == 0:
            busy[loop][thread] += (t1 - t0) / 1e3
            chunks[loop] += 1
        elif kind in (1, 2):
            loops.append((t0, t1, kind, loop, count))
    loops.sort()
    runs = [[] for _ in starts]
    r = 0
    for t0, t1, kind, loop, count in loops:
        while r + 1 < len(starts) and t0 >= starts[r + 1]:
            r += 1
        if not starts or t0 < starts[0]:
            continue
        span = (t1 - t0) / 1e3
        b = busy[loop] if kind == 1 else {0: span}
        runs[r].append({"kind": "loop" if kind == 1 else "inline",
                        "count": count, "span": span, "chunks": chunks[loop],
                        "busy": [b.get(t, 0.0) for t in range(threads)]})
    return threads, runs


def medians(runs, skip):
    """Per loop position, medians over the runs of the usual length."""
    runs = runs[skip:] or runs
    usual = collections.Counter(len(r) for r in runs).most_common(1)[0][0]
    runs = [r for r in runs if len(r) == usual]
    out = []
    for i in range(usual):
        at = [r[i] for r in runs]
        threads = len(at[0]["busy"])
        out.append({
            "kind": at[0]["kind"], "count": at[0]["count"],
            "chunks": statistics.median(a["chunks"] for a in at),
            "span": statistics.median(a["span"] for a in at),
            "busy": [statistics.median(a["busy"][t] for a in at)
                     for t in range(threads)],
        })
    return out, len(runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace")
    ap.add_argument("--vs", help="a trace of the same model on fewer threads")
    ap.add_argument("--skip", type=int, default=5,
                    help="warm-up runs to leave out")
    ap.add_argument("--top", type=int, default=0,
                    help="only the loops that lose the most (0: all)")
    args = ap.parse_args()
    threads, runs = read(args.trace)
    if not runs:
        sys.exit(f"{args.trace}: no runs (was the pool given any?)")
    loops, n = medians(runs, args.skip)
    base = None
    if args.vs:
        vthreads, vruns = read(args.vs)
        vloops, _ = medians(vruns, args.skip)
        if len(vloops) == len(loops):
            base = (vthreads, vloops)
        else:
            print(f"# {args.vs} has {len(vloops)} loops a run, this trace "
                  f"{len(loops)}: totals only")
            spans = sum(l["span"] for l in vloops)
            print(f"# {vthreads} thread(s): {spans:.1f} us in loops a run")
    print(f"# {threads} thread(s), medians of {n} runs, us")
    head = f"{'loop':>4} {'kind':>6} {'iters':>6} {'chunks':>6} {'span':>8}"
    head += "".join(f" {'busy' + str(t):>7}" for t in range(threads))
    head += f" {'idle':>7}"
    if base:
        head += f" {str(base[0]) + 't span':>9} {'speedup':>7} {'lost':>7}"
    print(head)
    rows = []
    for i, l in enumerate(loops):
        idle = threads * l["span"] - sum(l["busy"]) if l["kind"] == "loop" \
            else 0.0
        line = (f"{i:4} {l['kind']:>6} {l['count']:6} {l['chunks']:6.0f} "
                f"{l['span']:8.1f}" +
                "".join(f" {b:7.1f}" for b in l["busy"]) + f" {idle:7.1f}")
        lost = 0.0
        if base:
            s1 = base[1][i]["span"]
            lost = l["span"] - s1 * base[0] / threads
            line += f" {s1:9.1f} {s1 / l['span'] if l['span'] else 0:7.2f}" \
                    f" {lost:7.1f}"
        rows.append((lost if base else idle, line))
    shown = sorted(rows, reverse=True)[:args.top] if args.top else rows
    for _, line in shown:
        print(line)
    total = sum(l["span"] for l in loops)
    idle = sum(threads * l["span"] - sum(l["busy"]) for l in loops
               if l["kind"] == "loop")
    summary = f"# in loops {total:.1f} us a run, idle {idle:.1f} us"
    if base:
        total1 = sum(l["span"] for l in base[1])
        lost = total - total1 * base[0] / threads
        summary += (f"; {base[0]} thread(s) {total1:.1f} us: "
                    f"{total1 / total:.2f}x, lost {lost:.1f} us")
    print(summary)


if __name__ == "__main__":
    main()
