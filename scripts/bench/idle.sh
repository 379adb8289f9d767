# Sourced by the benchmarks that compare runs: wait until the machine is idle enough.
# IDLE_MAX: cores other processes may use (default 0.3); WAIT_S: give up after (120 s).
IDLE_MAX=${IDLE_MAX:-0.3}; WAIT_S=${WAIT_S:-120}
HZ=$(getconf CLK_TCK)
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
wait_idle() { # returns when other processes use < IDLE_MAX cores over 2 s (or after WAIT_S)
  local t0=$SECONDS a b
  while (( SECONDS - t0 < WAIT_S )); do
    a=$(busy); sleep 2; b=$(busy)
    awk -v a="$a" -v b="$b" -v hz="$HZ" -v m="$IDLE_MAX" 'BEGIN{exit !((b-a)/hz/2 < m)}' && return
  done
  return 0 # gave up waiting: the caller records the load (set -e must not stop it here)
}
