#!/bin/sh
# run-demo.sh: run the demo app under ward and show what ward does with it.
set -eu
cd "$(dirname "$0")/.."
WARD=${WARD:-build/musl/ward}
say() { printf '\n== %s\n' "$*"; }

say "ward $($WARD --version | cut -d' ' -f3): $(stat -c %s "$WARD") bytes, $(file -b "$WARD" | cut -d, -f1-2)"
say "starting: ward -v --grace 5s -- build/examples/demo"
$WARD -v --grace 5s -- build/examples/demo &
ward=$!
sleep 1
say "no zombies left behind (processes in Z state):"
ps -o pid,ppid,stat,comm --ppid "$ward" || true
say "kill -USR1 ward: forwarded to the app"
kill -USR1 "$ward"
sleep 0.3
say "kill -HUP ward: forwarded to the app"
kill -HUP "$ward"
sleep 0.3
say "kill -TERM ward: graceful stop (the app takes 1 s)"
kill -TERM "$ward"
rc=0
wait "$ward" || rc=$?
say "ward exited with $rc (the app's own exit code)"
