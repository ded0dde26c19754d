#!/usr/bin/env bash
# Start or stop the local servers the tests talk to; one PID file per server under $RUN.
#   scripts/test-servers.sh start   # two s3rver, fauxqs (SQS), dynalite (DynamoDB), two docker-registry, moto (AWS API emulator)
#   scripts/test-servers.sh stop
# Endpoints are written to $RUN/env for tests to source. Ports can be moved with DTH_PORT_BASE.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-$PWD/.run}
BASE=${DTH_PORT_BASE:-0}
S3_SRC_PORT=$((4568 + BASE)); S3_DST_PORT=$((4569 + BASE)); SQS_PORT=$((4566 + BASE)); DDB_PORT=$((4571 + BASE))
REG_OPEN_PORT=$((5001 + BASE)); REG_AUTH_PORT=$((5002 + BASE))
# moto server (the cloud path's emulator: CloudFormation, IAM, Lambda, Step Functions…). One test file owns it at a
# time (test/cloud): it resets it and turns its IAM enforcement on, which would break any other user.
MOTO_PORT=$((4580 + BASE))

wait_http() { # url [tenths of a second]: any HTTP answer means the server is up
  for _ in $(seq 1 "${2:-100}"); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.1
  done
  echo "server at $1 did not start" >&2; return 1
}

port_free() { # port: nothing listens on 127.0.0.1:port (waits up to 5 s for servers just stopped to let go)
  for _ in $(seq 1 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

start_bg() { # name, command...: start in the background, record the server's own PID
  local name=$1; shift
  "$@" >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

start() {
  mkdir -p "$RUN"
  stop >/dev/null 2>&1 || true
  # A server of another checkout on the same port would answer in place of ours (and our own would die unnoticed).
  for port in "$S3_SRC_PORT" "$S3_DST_PORT" "$SQS_PORT" "$DDB_PORT" "$REG_OPEN_PORT" "$REG_AUTH_PORT" "$MOTO_PORT"; do
    port_free "$port" || {
      echo "port $port on 127.0.0.1 is in use by another process (test servers of another checkout?): stop it, or set DTH_PORT_BASE to move ours" >&2
      return 1
    }
  done
  rm -rf "$RUN/s3src" "$RUN/s3dst" "$RUN/reg-open" "$RUN/reg-auth" "$RUN/cloud"
  mkdir -p "$RUN/s3src" "$RUN/s3dst" "$RUN/reg-open" "$RUN/reg-auth"
  # s3rver encrypts continuation tokens with DES, which Node 20's OpenSSL refuses without the legacy provider.
  start_bg s3src node --openssl-legacy-provider node_modules/s3rver/bin/s3rver.js -d "$RUN/s3src" -a 127.0.0.1 -p "$S3_SRC_PORT" -s
  start_bg s3dst node --openssl-legacy-provider node_modules/s3rver/bin/s3rver.js -d "$RUN/s3dst" -a 127.0.0.1 -p "$S3_DST_PORT" -s
  PORT=$SQS_PORT start_bg sqs node scripts/fauxqs-loopback.mjs
  start_bg ddb node node_modules/dynalite/cli.js --host 127.0.0.1 --port "$DDB_PORT" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0
  htpasswd -Bbn tester secret123 >"$RUN/htpasswd"
  cat >"$RUN/reg-open.yml" <<YML
version: 0.1
log: { level: warn, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $RUN/reg-open }, delete: { enabled: true } }
http: { addr: "127.0.0.1:$REG_OPEN_PORT", secret: local-test-secret }
YML
  cat >"$RUN/reg-auth.yml" <<YML
version: 0.1
log: { level: warn, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $RUN/reg-auth }, delete: { enabled: true } }
http: { addr: "127.0.0.1:$REG_AUTH_PORT", secret: local-test-secret }
auth: { htpasswd: { realm: basic-realm, path: $RUN/htpasswd } }
YML
  start_bg reg-open docker-registry serve "$RUN/reg-open.yml"
  start_bg reg-auth docker-registry serve "$RUN/reg-auth.yml"
  command -v moto_server >/dev/null || { echo "moto_server not found: it ships with the machine image's Python 3.11 (moto 5.2.1)" >&2; return 1; }
  start_bg moto moto_server -H 127.0.0.1 -p "$MOTO_PORT"

  wait_http "http://127.0.0.1:$S3_SRC_PORT/"
  wait_http "http://127.0.0.1:$S3_DST_PORT/"
  wait_http "http://127.0.0.1:$SQS_PORT/health"
  wait_http "http://127.0.0.1:$DDB_PORT/"
  wait_http "http://127.0.0.1:$REG_OPEN_PORT/v2/"
  wait_http "http://127.0.0.1:$REG_AUTH_PORT/v2/"
  wait_http "http://127.0.0.1:$MOTO_PORT/moto-api/" 300 # Python start-up: ~2.5 s idle, more under load
  for f in "$RUN"/*.pid; do
    kill -0 "$(cat "$f")" 2>/dev/null || { echo "test server $(basename "$f" .pid) exited; see $RUN/$(basename "$f" .pid).log" >&2; return 1; }
  done

  cat >"$RUN/env" <<ENV
export DTH_TEST_S3_SRC=http://127.0.0.1:$S3_SRC_PORT
export DTH_TEST_S3_DST=http://127.0.0.1:$S3_DST_PORT
export DTH_TEST_SQS=http://127.0.0.1:$SQS_PORT
export DTH_TEST_DDB=http://127.0.0.1:$DDB_PORT
export DTH_TEST_REG_OPEN=127.0.0.1:$REG_OPEN_PORT
export DTH_TEST_REG_AUTH=127.0.0.1:$REG_AUTH_PORT
export DTH_TEST_REG_USER=tester
export DTH_TEST_REG_PASSWORD=secret123
export DTH_TEST_MOTO=http://127.0.0.1:$MOTO_PORT
export AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED
export AWS_RESPONSE_CHECKSUM_VALIDATION=WHEN_REQUIRED
export AWS_EC2_METADATA_DISABLED=true
ENV
  echo "test servers up; endpoints in $RUN/env"
}

stop() {
  shopt -s nullglob
  for f in "$RUN"/*.pid; do
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
