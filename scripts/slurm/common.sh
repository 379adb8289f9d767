# Sourced by the sbatch scripts of scripts/slurm/ (not a job script itself).
# Sets SIGMA (default <repo>/build/sigma), MPIRUN (default mpirun), MPIRUN_ARGS (default
# empty), exports the Open MPI run-as-root switches, and defines die().
# SIGMA comes from the job's environment: sbatch exports the submitter's (--export=ALL, the
# default; submit-study.sh passes --export=ALL,SIGMA), so an out-of-tree build is used by
# exporting SIGMA=/path/to/sigma before sbatch. The jobs print the binary they run.
die() { echo "sigma-slurm: error: $*" >&2; exit 1; }
: "${SIGMA:=$(cd "$SIGMA_SLURM_DIR/../.." && pwd)/build/sigma}"
: "${MPIRUN:=mpirun}"
: "${MPIRUN_ARGS:=}"
[[ -x $SIGMA ]] || die "sigma binary '$SIGMA' not found or not executable (set SIGMA)"
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
