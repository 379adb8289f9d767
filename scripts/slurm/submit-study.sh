#!/usr/bin/env bash
# Submit a sigma study as a Slurm job array plus a merge job that waits for it.
#
#   scripts/slurm/submit-study.sh [-t TASKS] [-n RANKS] [-s "SBATCH OPTIONS"] DIR R \
#       FILE[:DATASET]... (--n1 A,B,.. | --epsilon E1,..) [--seed S] [sigma study options]
#   e.g. scripts/slurm/submit-study.sh -t 8 -n 4 -s "-p compute -t 02:00:00" out/tech-study 200 \
#          data/tech/tech.h5:/embeddings --n1 512,1024,2048,4096 --seed 1 --normalize
#
# Submits study-array.sbatch as an array of TASKS tasks (task i runs replicates
# floor(i R/TASKS)..floor((i+1) R/TASKS)-1 into DIR/part-i, each on RANKS MPI ranks), then
# merge.sbatch DIR with --dependency=afterok:<array job id> (writes DIR/merged). Prints
#   array job: <id>
#   merge job: <id>
# Options (each also settable by environment variable):
#   -t TASKS   array tasks (SIGMA_TASKS, default 4; at most R)
#   -n RANKS   Slurm tasks = MPI ranks per array task (SIGMA_RANKS, default 1)
#   -s OPTS    extra sbatch options for both jobs, e.g. partition, time, account
#              (SBATCH_OPTS, default none; sbatch's own SBATCH_* variables work too)
#   -m OPTS    extra sbatch options for the merge job only (SBATCH_MERGE_OPTS)
# Environment passed to the jobs: SIGMA (default <repo>/build/sigma), MPIRUN, MPIRUN_ARGS
# (see study-array.sbatch); both jobs get --export=ALL,SIGMA (before -s/-m options, which
# may override it). DIR is made absolute. Outputs: DIR/slurm-*.out.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "submit-study: error: $*" >&2; exit 1; }
source "$here/submit-common.sh"
submit_options "$@"
set -- "${ARGS[@]}"
(($# >= 3)) || die "usage: submit-study.sh [-t TASKS] [-n RANKS] [-s SBATCH_OPTS] DIR R FILE[:DATASET]... STUDY_OPTIONS... (-h for help)"
dir=$1 R=$2; shift 2
[[ $R =~ ^[1-9][0-9]*$ ]] || die "R must be a positive integer, got '$R'"
[[ $tasks =~ ^[1-9][0-9]*$ ]] && ((tasks <= R)) || die "TASKS must be in 1..R, got '$tasks'"
[[ $ranks =~ ^[1-9][0-9]*$ ]] || die "RANKS must be a positive integer, got '$ranks'"
command -v sbatch > /dev/null || die "sbatch not found"
export SIGMA=${SIGMA:-$(cd "$here/../.." && pwd)/build/sigma}
[[ -x $SIGMA ]] || die "sigma binary '$SIGMA' not found (build it, or set SIGMA)"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
compgen -G "$dir/part-*" > /dev/null && echo "submit-study: note: $dir already holds part-*; tasks resume them" >&2
[[ -e $dir/merged ]] && die "$dir/merged exists (sigma merge would refuse); remove it or use a new DIR"
# shellcheck disable=SC2086
array=$(sbatch --parsable --export=ALL,SIGMA $opts --array="0-$((tasks - 1))" --ntasks="$ranks" \
        --job-name=sigma-study --output="$dir/slurm-study-%A_%a.out" \
        "$here/study-array.sbatch" "$dir" "$R" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable --export=ALL,SIGMA $opts $mopts --dependency="afterok:$array" --kill-on-invalid-dep=yes \
        --ntasks=1 --job-name=sigma-merge --output="$dir/slurm-merge-%j.out" \
        "$here/merge.sbatch" "$dir")
merge=${merge%%;*}
echo "array job: $array"
echo "merge job: $merge"
