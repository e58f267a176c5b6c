#!/usr/bin/env python3
"""The arithmetic of bench/run.sh: reads `/usr/bin/time -v` reports and esms-ledger's
report.json, prints medians, ratios and the verdict. Standard library only.

Usage:
  summarise.py one FILE.time        one timing, on one line
  summarise.py findings OUT_DIR     what an esms-ledger run found (published or rejected)
  summarise.py table RESULTS_DIR    medians per command and case, ratios to peer_polars

RESULTS_DIR holds one folder per case (rows-100000-inline, …) of NAME.REP.time files.
"""
import json
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

# The goal for esms-ledger, as a fraction of the polars peer's median.
GOAL_TIME, GOAL_RSS = 0.6, 0.25
GOAL_ROWS = 1_000_000
REFERENCE = "peer_polars"
SUBJECT = "esms-ledger"
# The same run again over its own publication (read back and diffed): shown, not judged.
RERUN = "esms-ledger-rerun"


def parse_time(path):
    """(wall seconds, max RSS in bytes, exit status as text) of one `time -v` report."""
    text = Path(path).read_text()
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    status = re.search(r"Exit status: (\d+)", text)
    signal = re.search(r"Command terminated by signal (\d+)", text)
    if not (wall and rss and status):
        raise SystemExit(f"{path}: not a `/usr/bin/time -v` report")
    hours, minutes, seconds = wall.groups()
    seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    exit_status = f"signal {signal.group(1)}" if signal else status.group(1)
    return seconds, int(rss.group(1)) * 1024, exit_status


def megabytes(n):
    return f"{n / 1e6:,.0f} MB"


def one(path):
    wall, rss, status = parse_time(path)
    print(f"{wall:6.2f} s  {megabytes(rss):>9}  exit {status}")


def findings(out_dir):
    out_dir = Path(out_dir)
    rejected = out_dir / "rejected" / "report.json"
    published = out_dir / "report.json"
    path = rejected if rejected.exists() else published
    if not path.exists():
        print(f"   findings: no report in {out_dir} (the run failed before validating; see its log)")
        return
    report = json.loads(path.read_text())
    found = report.get("findings", [])
    state = "REJECTED" if path == rejected else "published"
    by_rule = Counter((f.get("severity", "?"), f.get("rule", "?")) for f in found)
    severities = Counter(f.get("severity", "?") for f in found)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(severities.items())) or "none"
    print(f"   findings ({state}): {counts}")
    for (severity, rule), n in sorted(by_rule.items()):
        example = next(f for f in found if f.get("rule") == rule and f.get("severity") == severity)
        message = example.get("message", "")
        print(f"     {severity:<8} {rule:<28} ×{n:<7} e.g. {message[:110]}")


def table(results_dir):
    results_dir = Path(results_dir)
    cases = sorted(
        (d for d in results_dir.iterdir() if d.is_dir()),
        key=lambda d: (int(d.name.split("-")[1]), d.name),
    )
    rows, verdicts = [], []
    for case in cases:
        runs = {}
        for path in sorted(case.glob("*.time")):
            name = path.name.rsplit(".", 2)[0]
            runs.setdefault(name, []).append(parse_time(path))
        # esms-ledger and its reference first, then the other peers.
        runs = dict(sorted(runs.items(), key=lambda kv: ({SUBJECT: 0, RERUN: 1, REFERENCE: 2}.get(kv[0], 3), kv[0])))
        medians = {}
        for name, measures in runs.items():
            wall = statistics.median(m[0] for m in measures)
            rss = statistics.median(m[1] for m in measures)
            statuses = sorted({m[2] for m in measures})
            medians[name] = (wall, rss)
            rows.append((case.name, name, len(measures), wall, rss, ",".join(statuses)))
        verdicts.append((case.name, medians, runs))

    print(f"{'case':<22} {'command':<22} {'n':>2} {'wall (median)':>14} {'max RSS (median)':>17}  exit")
    for case, name, n, wall, rss, statuses in rows:
        print(f"{case:<22} {name:<22} {n:>2} {wall:>12.2f} s {megabytes(rss):>17}  {statuses}")

    print()
    print(f"{SUBJECT} / {REFERENCE} (goal: time <= {GOAL_TIME}x, RSS <= {GOAL_RSS}x)")
    print(f"{'case':<22} {'time ratio':>10} {'RSS ratio':>10}  verdict")
    for case, medians, runs in verdicts:
        if SUBJECT not in medians or REFERENCE not in medians:
            print(f"{case:<22} {'-':>10} {'-':>10}  incomplete")
            continue
        time_ratio = medians[SUBJECT][0] / medians[REFERENCE][0]
        rss_ratio = medians[SUBJECT][1] / medians[REFERENCE][1]
        all_ok = all(m[2] == "0" for m in runs[SUBJECT] + runs[REFERENCE])
        reasons = []
        if time_ratio > GOAL_TIME:
            reasons.append("time")
        if rss_ratio > GOAL_RSS:
            reasons.append("memory")
        if not all_ok:
            reasons.append("a run exited non-zero")
        verdict = "PASS" if not reasons else "FAIL (" + ", ".join(reasons) + ")"
        if int(case.split("-")[1]) < GOAL_ROWS:
            # The goal is stated for the million-row workbook; a smaller one is shown.
            verdict = f"(the goal is for {GOAL_ROWS:,} rows)".replace(",", " ")
        print(f"{case:<22} {time_ratio:>9.2f}x {rss_ratio:>9.2f}x  {verdict}")
        if RERUN in medians:
            print(f"{'  (re-run over it)':<22} {medians[RERUN][0] / medians[REFERENCE][0]:>9.2f}x "
                  f"{medians[RERUN][1] / medians[REFERENCE][1]:>9.2f}x")


def main(argv):
    if len(argv) != 3 or argv[1] not in ("one", "findings", "table"):
        sys.exit(__doc__)
    command, path = argv[1], argv[2]
    if command == "one":
        one(path)
    elif command == "findings":
        findings(path)
    else:
        table(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
