#!/bin/sh
# The pod sandbox's process: holds the pod's namespaces until the runtime stops it. As PID 1 it
# gets no default signal handlers, so TERM and INT are trapped; `wait` lets the trap run at once.
trap 'exit 0' TERM INT
while :; do
  sleep 86400 &
  wait $!
done
