# Shared helpers of the end-to-end tests: each test runs the real `lostwax` binary ($LOSTWAX) and
# checks exit codes, stdout/stderr and JSON fields (with jq) against values the test works out on
# its own. Source this file; call `finish` at the end.
set -u
failures=0
checks=0
work=${LW_TEST_TMP:-/tmp}/cli-$(basename "$0" .sh)-$$
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# run ARGS...: runs lostwax, leaving $out, $err, $rc.
run() {
  "$LOSTWAX" "$@" >"$work/out" 2>"$work/err"
  rc=$?
  out=$(cat "$work/out")
  err=$(cat "$work/err")
}

expect_rc() { # expect_rc CODE what
  checks=$((checks + 1))
  [ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1; stderr: $err"
}

expect_in() { # expect_in HAYSTACK NEEDLE what
  checks=$((checks + 1))
  case "$1" in *"$2"*) ;; *) fail "$3: '$2' not in output: $1" ;; esac
}

# expect_near ACTUAL EXPECTED TOLERANCE what (absolute tolerance, numbers as text)
expect_near() {
  checks=$((checks + 1))
  awk -v a="$1" -v e="$2" -v t="$3" 'BEGIN { d = a - e; if (d < 0) d = -d; exit !(a != "" && d <= t) }' ||
    fail "$4: $1, expected $2 within $3"
}

jqv() { jq -r "$1" <<<"$out"; }

# calc EXPR: evaluates arithmetic with awk (the test's own figures, not the program's).
calc() { awk "BEGIN { printf \"%.10f\", $1 }"; }

finish() {
  echo "$(basename "$0"): $checks checks, $failures failed"
  [ "$failures" -eq 0 ]
}

# need_shared REL: sets $shared to the path of ../shared/data/REL, or skips the whole test
# (exit 77) without it. Call it directly, not in $(...): a subshell's exit would not end the test.
need_shared() {
  shared="${LW_SHARED_DATA:-}/$1"
  if [ -z "${LW_SHARED_DATA:-}" ] || [ ! -e "$shared" ]; then
    echo "SKIP: shared data $1 not found" >&2
    exit 77
  fi
}

# need_program NAME: skip the whole test (exit 77) when a peer program is not installed.
need_program() {
  command -v "$1" >/dev/null || { echo "SKIP: $1 is not installed (scripts/deps test)" >&2; exit 77; }
}
