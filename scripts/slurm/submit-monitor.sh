#!/usr/bin/env bash
# Submit a sigma monitor over many large checkpoints as a Slurm job array plus a merge job
# that waits for it.
#
#   scripts/slurm/submit-monitor.sh [-t TASKS] [-n RANKS] [-s "SBATCH OPTIONS"] DIR LIST \
#       --n1 K [--seed S] [--full] [--normalize] [other sigma monitor options]
#   e.g. scripts/slurm/submit-monitor.sh -t 10 -n 4 -s "-p compute -t 01:00:00" runs/mon \
#          checkpoints.txt --n1 4096 --seed 1 --normalize --full
#
# LIST: one 'LABEL SPEC' line per checkpoint, in order (as sigma monitor --checkpoints).
# Submits monitor-array.sbatch as TASKS array tasks (task i monitors its slice of LIST into
# DIR/part-NNNN on RANKS MPI ranks), then monitor-merge.sbatch DIR with
# --dependency=afterok:<array job> (writes DIR/merged). Prints
#   array job: <id>
#   merge job: <id>
# Options (also by environment): -t TASKS (SIGMA_TASKS, default 4; at most the checkpoints),
# -n RANKS (SIGMA_RANKS, default 1), -s OPTS (SBATCH_OPTS), -m OPTS for the merge only
# (SBATCH_MERGE_OPTS). Jobs get --export=ALL,SIGMA. DIR and LIST are made absolute.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "submit-monitor: error: $*" >&2; exit 1; }
source "$here/submit-common.sh"
submit_options "$@"
set -- "${ARGS[@]}"
(($# >= 3)) || die "usage: submit-monitor.sh [-t TASKS] [-n RANKS] [-s SBATCH_OPTS] DIR LIST MONITOR_OPTIONS... (-h for help)"
dir=$1 list=$2; shift 2
[[ -f $list ]] || die "checkpoint list '$list' not found"
K=$(grep -cv '^[[:space:]]*\(#\|$\)' "$list" || true)
[[ $tasks =~ ^[1-9][0-9]*$ ]] && ((tasks <= K)) || die "TASKS must be in 1..$K (the checkpoints), got '$tasks'"
[[ $ranks =~ ^[1-9][0-9]*$ ]] || die "RANKS must be a positive integer, got '$ranks'"
command -v sbatch > /dev/null || die "sbatch not found"
export SIGMA=${SIGMA:-$(cd "$here/../.." && pwd)/build/sigma}
[[ -x $SIGMA ]] || die "sigma binary '$SIGMA' not found (build it, or set SIGMA)"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd) list=$(cd "$(dirname "$list")" && pwd)/$(basename "$list")
[[ -e $dir/merged ]] && die "$dir/merged exists (the merge would refuse); remove it or use a new DIR"
# --baseline and --level go to the merge (the whole series), the rest to every part
mergeargs=() prev=""
for a in "$@"; do
  case $prev in --baseline | --level) mergeargs+=("$prev" "$a") ;; esac
  case $a in --baseline=* | --level=*) mergeargs+=("$a") ;; esac
  prev=$a
done
# shellcheck disable=SC2086
array=$(sbatch --parsable --export=ALL,SIGMA $opts --array="0-$((tasks - 1))" --ntasks="$ranks" \
        --job-name=sigma-monitor --output="$dir/slurm-monitor-%A_%a.out" \
        "$here/monitor-array.sbatch" "$dir" "$list" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable --export=ALL,SIGMA $opts $mopts --dependency="afterok:$array" \
        --kill-on-invalid-dep=yes --ntasks=1 --job-name=sigma-monitor-merge \
        --output="$dir/slurm-merge-%j.out" "$here/monitor-merge.sbatch" "$dir" "${mergeargs[@]}")
merge=${merge%%;*}
echo "array job: $array"
echo "merge job: $merge"
