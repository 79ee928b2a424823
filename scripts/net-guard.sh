#!/bin/sh
# Keeps test traffic to cluster addresses on this machine: on the CI machines the default gateway
# accepts any TCP connection, so an address no route claims would "work" and leave the machine.
# Low-priority routes (metric 4000) catch pod, node and service addresses; any route skiff or a
# test installs for the same ranges takes precedence. `up` and `down` can be repeated.
set -eu
PODS=10.42.0.0/16
NODES=10.99.0.0/16
SERVICES=10.43.0.0/16
NS=skiff-sink
LINK=skiff-sink0
[ "$(id -u)" = 0 ] || { echo "net-guard.sh: run as root" >&2; exit 1; }
case "${1:-}" in
up)
  # Service addresses route into a veth whose far end is alone in a namespace, so a DNAT rule
  # still sees them and whatever no rule rewrites is dropped there.
  ip netns list | grep -qw "$NS" || ip netns add "$NS"
  ip link show "$LINK" >/dev/null 2>&1 || ip link add "$LINK" type veth peer name sink netns "$NS"
  ip link set "$LINK" up
  ip -n "$NS" link set sink up
  ip route replace "$SERVICES" dev "$LINK" metric 4000
  ip route replace blackhole "$PODS" metric 4000
  ip route replace blackhole "$NODES" metric 4000
  ;;
down)
  ip route del blackhole "$PODS" metric 4000 2>/dev/null || true
  ip route del blackhole "$NODES" metric 4000 2>/dev/null || true
  ip link del "$LINK" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  ;;
*)
  echo "usage: net-guard.sh up|down" >&2
  exit 2
  ;;
esac
