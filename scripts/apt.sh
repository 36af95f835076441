# apt-get that waits for the package lock instead of failing when another install
# (unattended-upgrades, a second install.sh) holds it. Sourced by install.sh.
# APT_LOCK_WAIT: seconds to wait at most (default 600); APT_LOCK_POLL: between tries.

apt_waiting() {
  local waited=0 wait=${APT_LOCK_WAIT:-600} poll=${APT_LOCK_POLL:-5} out status
  while true; do
    # apt >= 1.9.11 waits for dpkg's lock itself; the lists lock of `update` it does not
    set +e
    out=$(apt-get -o DPkg::Lock::Timeout="$wait" "$@" 2>&1)
    status=$?
    set -e
    printf '%s\n' "$out" | grep -v '^$' >&2 || true
    if [ "$status" -eq 0 ]; then return 0; fi
    if ! printf '%s' "$out" | grep -qiE 'could not get lock|unable to (acquire|lock)'; then
      return "$status"
    fi
    if [ "$waited" -ge "$wait" ]; then
      echo "install.sh: the apt lock is still held after ${waited}s; try again later" >&2
      return "$status"
    fi
    echo "install.sh: another install holds the apt lock; waiting (${waited}s so far)" >&2
    sleep "$poll"
    waited=$((waited + poll))
  done
}
