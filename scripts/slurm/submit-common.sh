# Sourced by submit-study.sh and submit-monitor.sh (not run itself): their shared options.
# Sets tasks, ranks, opts, mopts from -t -n -s -m (or SIGMA_TASKS, SIGMA_RANKS, SBATCH_OPTS,
# SBATCH_MERGE_OPTS), prints the calling script's header comment for -h, and leaves the
# remaining arguments in ARGS. Usage: submit_options "$@"; set -- "${ARGS[@]}"
submit_options() {
  tasks=${SIGMA_TASKS:-4} ranks=${SIGMA_RANKS:-1} opts=${SBATCH_OPTS:-} mopts=${SBATCH_MERGE_OPTS:-}
  local o OPTIND=1
  while getopts "t:n:s:m:h" o; do
    case $o in
      t) tasks=$OPTARG ;; n) ranks=$OPTARG ;; s) opts=$OPTARG ;; m) mopts=$OPTARG ;;
      h) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      *) exit 2 ;;
    esac
  done
  shift $((OPTIND - 1))
  ARGS=("$@")
}
