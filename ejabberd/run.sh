#!/bin/sh
# Runs ejabberd in the foreground for the stack supervisor and stops it cleanly on SIGTERM/SIGINT.
# Usage: run.sh <ejabberdctl options: --node N --config F --ctl-config F --spool D --logs D>
#
# Why a wrapper: `ejabberdctl foreground` starts the Erlang VM as a child (through `su ejabberd`
# when run as root) instead of exec'ing it, so a SIGTERM to ejabberdctl would leave the VM
# running. Here SIGTERM asks the node to stop (`ejabberdctl stop`) and waits until it has.
set -u
ejabberdctl "$@" foreground &
child=$!
stopping=0
stop() {
  [ "$stopping" = 1 ] && return
  stopping=1
  ejabberdctl "$@" stop >/dev/null 2>&1 || kill -TERM "$child" 2>/dev/null
}
# The trap needs this script's arguments: keep them in a variable the handler can expand.
ARGS="$*"
trap 'stop $ARGS' TERM INT
# Watchdog: if this script or the supervisor that started it is killed outright (SIGKILL, a test
# run aborted), stop the node too instead of leaving it holding the run's ports.
me=$$
parent=$PPID
(
  trap '' TERM INT
  while kill -0 "$me" 2>/dev/null && kill -0 "$parent" 2>/dev/null; do sleep 1; done
  kill -0 "$child" 2>/dev/null && ejabberdctl $ARGS stop
) >/dev/null 2>&1 </dev/null &
while :; do
  wait "$child"
  rc=$?
  # wait returns early (>128) when a trapped signal arrives; the child is then still stopping.
  kill -0 "$child" 2>/dev/null || exit "$rc"
done
