#!/bin/sh
# The long fuzz run: the grammar-aware generators (tests/integration/fuzz.rs) and the mutation fuzzers
# (tests/integration/robustness.rs) in a release build, repeated with fresh random seeds until MINUTES have
# passed. Prints the rounds, the cases (rounds x cases per property x properties) and the failed rounds.
#   nice sh tests/fuzz_long.sh [MINUTES] [CASES_PER_ROUND]
set -u
minutes=${1:-12}
cases=${2:-2000}
cargo test --release --test integration --no-run >/dev/null 2>&1 || { echo "build failed"; exit 2; }
properties=$(cargo test --release --test integration -- fuzz robustness --list 2>/dev/null | grep -c ': test$')
start=$(date +%s)
rounds=0
failed=0
while [ $(( $(date +%s) - start )) -lt $(( minutes * 60 )) ]; do
  rounds=$((rounds + 1))
  if ! PROPTEST_CASES=$cases cargo test --release --test integration -- fuzz robustness >"fuzz-round-$rounds.log" 2>&1; then
    failed=$((failed + 1))
    echo "round $rounds failed: fuzz-round-$rounds.log"
  else
    rm -f "fuzz-round-$rounds.log"
  fi
done
elapsed=$(( $(date +%s) - start ))
echo "rounds $rounds, properties $properties, cases $((rounds * cases * properties)), minutes $((elapsed / 60)), failed rounds $failed"
