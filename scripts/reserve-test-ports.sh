#!/usr/bin/env bash
# Test runs put stacks on port bases 40000-57999 and let the kernel pick ephemeral ports for
# SIPp, sipd and clients. Reserving that range keeps the kernel's ephemeral picks out of it
# (explicit binds still work), so a random client port never lands on a stack's fixed port.
# Needs root; without it the tests still run, with that small risk.
range=40000-57999
f=/proc/sys/net/ipv4/ip_local_reserved_ports
if [[ -w $f ]]; then
  echo "$range" > "$f" 2>/dev/null || echo "test: could not reserve ports $range (continuing)" >&2
else
  echo "test: not root: ports $range not reserved from ephemeral use (continuing)" >&2
fi
