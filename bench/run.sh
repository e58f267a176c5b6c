#!/usr/bin/env bash
# esms-ledger against the scripts an analyst would write instead (../shared/bench), on
# generated allocation workbooks of the given sizes, in both xlsx layouts (inline strings,
# shared-strings table). Wall time and peak RSS come from `/usr/bin/time -v`; the commands
# alternate pair by pair so that a slow spell of the machine hits them alike.
#
# Usage: bench/run.sh [--reps N] [--all-peers] [SIZES...]
#   SIZES        rows per workbook (default: 100000 1000000)
#   --reps N     repetitions of each command (default: 3)
#   --all-peers  also time peer_pandas.py --engine calamine and bare_read.py (fastexcel,
#                expat): what the Python readers cost with less or no transformation
#
# Environment: BENCH_VENV (default /tmp/esms-bench-venv), BENCH_SCRATCH (workbooks and
# outputs, default /tmp/esms-bench), CARGO_TARGET_DIR (where cargo builds, as for cargo).
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

reps=3
all_peers=0
sizes=()
while (($#)); do
    case "$1" in
        --reps) reps="${2:?--reps needs a number}"; shift 2 ;;
        --all-peers) all_peers=1; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
        *) read -r -a more <<<"$1"; sizes+=("${more[@]}"); shift ;;
    esac
done
((${#sizes[@]})) || sizes=(100000 1000000)

repo="$(cd "$(dirname "$0")/.." && pwd)"
peers="$repo/../shared/bench"
venv="${BENCH_VENV:-/tmp/esms-bench-venv}"
scratch="${BENCH_SCRATCH:-/tmp/esms-bench}"
ledger="${CARGO_TARGET_DIR:-$repo/target}/release/esms-ledger"
summarise=("python3" "$repo/bench/summarise.py")

[[ -f "$peers/peer_polars.py" ]] || { echo "no peers in $peers (../shared/bench beside the repository)" >&2; exit 66; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time (GNU time) is needed for -v" >&2; exit 69; }

# 1. The peers' Python environment, rebuilt when requirements.txt changes.
if ! cmp -s "$peers/requirements.txt" "$venv/requirements.txt" 2>/dev/null; then
    echo "== Python venv for the peers: $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$peers/requirements.txt"
    cp "$peers/requirements.txt" "$venv/requirements.txt"
fi
python="$venv/bin/python"

# 2. esms-ledger, as the README builds it for production.
echo "== cargo build --release --locked"
(cd "$repo" && cargo build --release --locked --quiet)

# 3. The workbooks, kept between runs: one per size and layout, rebuilt when the generator
# changes (its hash names the folder).
generator_hash="$(sha256sum "$peers/gen_workbook.py" | cut -c1-12)"
workbooks="$scratch/workbooks-$generator_hash"
mkdir -p "$workbooks"
workbook() { # rows layout -> path, generated on first use
    local rows="$1" layout="$2" path="$workbooks/rows-$1-$2.xlsx"
    if [[ ! -s "$path" ]]; then
        local flag=() partial="$workbooks/partial-rows-$1-$2.xlsx"
        [[ "$layout" == shared ]] && flag=(--shared-strings)
        "$python" "$peers/gen_workbook.py" "$partial" "$rows" "${flag[@]}" >&2
        mv "$partial" "$path"
    fi
    echo "$path"
}

# 4. The commands, each timed alone; `time -v` writes its report to a file so that the
# command's own output stays in its log.
results="$scratch/results/$(date +%Y%m%d-%H%M%S)"
timed() { # name rep case_dir -- command...
    local name="$1" rep="$2" dir="$3"
    shift 4
    /usr/bin/time -v -o "$dir/$name.$rep.time" "$@" >"$dir/$name.$rep.log" 2>&1 || true
    printf '   %-22s rep %s: %s\n' "$name" "$rep" "$("${summarise[@]}" one "$dir/$name.$rep.time")"
}

echo "== $("$ledger" --version 2>/dev/null || echo esms-ledger), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "== load average at start: $(cut -d" " -f1-3 /proc/loadavg) (other work on the machine skews the times)"
echo "== results: $results"
for rows in "${sizes[@]}"; do
    for layout in inline shared; do
        case_name="rows-$rows-$layout"
        dir="$results/$case_name"
        inputs="$scratch/inputs/$case_name"
        out="$scratch/out/$case_name"
        # A fresh output folder: a rejected run leaves the previous publication in place,
        # whose report must not be mistaken for this run's.
        rm -rf "$out"
        mkdir -p "$dir" "$inputs" "$out"
        echo "== $case_name"
        # esms-ledger reads only files inside its inputs folder (a symbolic link leading
        # out is refused): a hard link where the filesystem allows it, else a copy.
        rm -f "$inputs/repartition.xlsx"
        ln -L "$(workbook "$rows" "$layout")" "$inputs/repartition.xlsx" 2>/dev/null \
            || cp -L "$(workbook "$rows" "$layout")" "$inputs/repartition.xlsx"
        cp "$repo/bench/repartition.toml" "$inputs/repartition.toml"
        xlsx="$inputs/repartition.xlsx"
        for ((rep = 1; rep <= reps; rep++)); do
            # A first publication, as the peer's (it has nothing to compare with)...
            rm -rf "$out/ledger"
            timed esms-ledger "$rep" "$dir" -- "$ledger" run --inputs "$inputs" --out "$out/ledger"
            # ...and the same run again over it: the last publication is read back and
            # diffed (--force: the inputs are unchanged, it is published anew).
            timed esms-ledger-rerun "$rep" "$dir" -- "$ledger" run --inputs "$inputs" --out "$out/ledger" --force
            timed peer_polars "$rep" "$dir" -- "$python" "$peers/peer_polars.py" "$xlsx" "$out/peer_polars.parquet"
            if ((all_peers)); then
                timed peer_pandas_calamine "$rep" "$dir" -- "$python" "$peers/peer_pandas.py" "$xlsx" "$out/peer_pandas.parquet" --engine calamine
                timed bare_read_fastexcel "$rep" "$dir" -- "$python" "$peers/bare_read.py" fastexcel "$xlsx"
                timed bare_read_expat "$rep" "$dir" -- "$python" "$peers/bare_read.py" expat "$xlsx"
            fi
        done
        # What esms-ledger made of the workbook: a correct run publishes it with no error.
        "${summarise[@]}" findings "$out/ledger" | tee "$dir/findings.txt"
    done
done

echo
"${summarise[@]}" table "$results" | tee "$results/summary.txt"
echo "== load average at end: $(cut -d" " -f1-3 /proc/loadavg)"
