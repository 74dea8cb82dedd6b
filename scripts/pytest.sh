#!/usr/bin/env bash
# Run pytest and treat "no tests collected" (exit 5) as a failure: a suite that ran
# nothing has proved nothing.
set -u
cd "$(dirname "$0")/.."
.venv/bin/pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: failing on purpose." >&2
  exit 1
fi
exit "$rc"
