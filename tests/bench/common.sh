# shellcheck shell=bash
# common.sh: what the benchmark scripts share (sourced; SRC is the source tree).

# shipped_config SOCKET FILE: writes the shipped configuration to FILE, listening
# on unix:SOCKET, without its `user:` (the scripts run the daemon as they are).
shipped_config() {
  sed -e "s|unix:/var/spool/postfix/tlspolicyd/policy.sock|unix:$1|" -e '/^user:/d' "$SRC/conf/tlspolicyd.yaml" > "$2"
}

# wait_ready LOG [TENTHS]: waits until the daemon writing LOG says it is ready
# (at most TENTHS tenths of a second, 300 by default); fails if it never does.
wait_ready() {
  for _ in $(seq "${2:-300}"); do
    grep -q "ready:" "$1" && return 0
    sleep 0.1
  done
  return 1
}

# wait_socket PATH [TENTHS]: waits until the socket PATH exists (the reference
# responder's sign of life; at most TENTHS tenths of a second, 300 by default).
wait_socket() {
  for _ in $(seq "${2:-300}"); do
    [ -S "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

# field LINE NAME: the value of NAME=value in a load generator's line.
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
