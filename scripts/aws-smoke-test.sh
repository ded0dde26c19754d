#!/usr/bin/env bash
# Smoke test of a real deploy in an AWS account (never run by CI: it creates billable resources).
#   scripts/aws-smoke-test.sh --email you@example.com [--region us-east-1] [--stack DataTransferHub] [--keep-hub]
# Needs: AWS credentials of the target account (admin-level: it bootstraps and deploys), Docker (the task image),
# the aws CLI, Node 20. Steps: build → cdk bootstrap → cdk deploy the hub → two fresh buckets with a few objects →
# createTask through the API Lambda (the resolver AppSync calls; invoked directly, so no console sign-in is needed) →
# wait for DONE (the plugin stack was created, the finder listed, the workers copied and verified) → compare the
# buckets → stopTask → wait for STOPPED (the plugin stack was deleted) → remove the buckets and (unless --keep-hub)
# the hub. Any step that fails stops the script with its reason; the buckets are removed on every exit.
set -euo pipefail
cd "$(dirname "$0")/.."

EMAIL='' REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}} STACK=DataTransferHub KEEP_HUB=0
while [ $# -gt 0 ]; do
  case "$1" in
    --email) EMAIL=$2; shift 2 ;;
    --region) REGION=$2; shift 2 ;;
    --stack) STACK=$2; shift 2 ;;
    --keep-hub) KEEP_HUB=1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -n "$EMAIL" ] || { echo "--email is required (the hub's AdminEmail: task notifications, console sign-in)" >&2; exit 2; }
for tool in aws node npx docker; do command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }; done
export AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION CDK_DISABLE_CLI_TELEMETRY=true

WORK=$(mktemp -d)
ACCOUNT=$(aws sts get-caller-identity --query Account --output text)
SUFFIX=$(date +%s)
SRC="dth-smoke-src-$ACCOUNT-$SUFFIX" DST="dth-smoke-dst-$ACCOUNT-$SUFFIX"
step() { printf '\n== %s\n' "$*"; }

cleanup() {
  step "removing the test buckets"
  for b in "$SRC" "$DST"; do aws s3 rb "s3://$b" --force >/dev/null 2>&1 || true; done
  if [ "$KEEP_HUB" = 0 ] && [ -n "${DEPLOYED:-}" ]; then
    step "destroying the hub ($STACK)"
    npx cdk destroy "$STACK" --force --no-notices || echo "cdk destroy failed: delete the stack in the CloudFormation console" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step "build (console and the dth bundle)"
npm ci --no-audit --no-fund
npm run build

step "cdk bootstrap aws://$ACCOUNT/$REGION"
npx cdk bootstrap "aws://$ACCOUNT/$REGION" --no-notices

step "cdk deploy $STACK"
npx cdk deploy "$STACK" --exclusively --require-approval never --no-notices \
  --parameters AdminEmail="$EMAIL" --outputs-file "$WORK/outputs.json"
DEPLOYED=1
output() { node -e "const o=require('$WORK/outputs.json')['$STACK']; if(!o['$1']) { console.error('no output $1'); process.exit(1) } console.log(o['$1'])"; }
API_FN=$(output ApiFunctionName)

step "source and destination buckets: $SRC → $DST"
aws s3 mb "s3://$SRC" >/dev/null
aws s3 mb "s3://$DST" >/dev/null
for i in 1 2 3; do head -c $((i * 1024 * 700)) /dev/urandom > "$WORK/object-$i.bin"; aws s3 cp "$WORK/object-$i.bin" "s3://$SRC/smoke/object-$i.bin" --only-show-errors; done

# One resolver call through the API Lambda, with the AppSync event shape; prints the field's answer.
api() { # fieldName, arguments JSON
  printf '{"info":{"fieldName":"%s"},"arguments":%s}' "$1" "$2" > "$WORK/event.json"
  aws lambda invoke --function-name "$API_FN" --payload "fileb://$WORK/event.json" "$WORK/answer.json" --query FunctionError --output text > "$WORK/function-error.txt"
  if [ "$(cat "$WORK/function-error.txt")" != "None" ]; then echo "API $1 failed: $(cat "$WORK/answer.json")" >&2; exit 1; fi
  # A user error (bad parameter, unknown task) comes back as { dthError: { message, … } } for AppSync to raise.
  if grep -q '"dthError"' "$WORK/answer.json"; then echo "API $1 refused: $(cat "$WORK/answer.json")" >&2; exit 1; fi
  cat "$WORK/answer.json"
}
field() { node -e "const v=JSON.parse(require('fs').readFileSync(0,'utf8'))$1; console.log(v ?? '')"; }

step "createTask (S3, one time)"
PARAMS=$(printf '[%s]' "$(printf '{"ParameterKey":"%s","ParameterValue":"%s"},' \
  srcType Amazon_S3 srcBucket "$SRC" srcPrefix smoke srcRegion "$REGION" srcInCurrentAccount true \
  destBucket "$DST" destRegion "$REGION" destInCurrentAccount true alarmEmail "$EMAIL" | sed 's/,$//')")
TASK_ID=$(api createTask "{\"input\":{\"type\":\"S3EC2\",\"description\":\"smoke test\",\"scheduleType\":\"ONE_TIME\",\"parameters\":$PARAMS}}" | field '.id')
echo "task $TASK_ID"

wait_for() { # wanted progress, minutes
  local deadline=$(( $(date +%s) + $2 * 60 )) progress=''
  while [ "$(date +%s)" -lt "$deadline" ]; do
    progress=$(api getTask "{\"id\":\"$TASK_ID\"}" | field '.progress')
    echo "  $(date +%H:%M:%S) $progress"
    [ "$progress" = "$1" ] && return 0
    if [ "$progress" = ERROR ]; then echo "task ERROR: $(api getErrorMessage "{\"id\":\"$TASK_ID\"}")" >&2; exit 1; fi
    sleep 30
  done
  echo "task did not reach $1 within $2 minutes (last: $progress)" >&2; exit 1
}
step "waiting for DONE (plugin stack, finder, workers; about 10–20 minutes)"
wait_for DONE 60

step "destination holds every source object, same sizes"
list() { aws s3api list-objects-v2 --bucket "$1" --query 'Contents[].[Key,Size]' --output text | sort; }
if [ "$(list "$SRC")" != "$(list "$DST")" ]; then echo "buckets differ:"; diff <(list "$SRC") <(list "$DST") || true; exit 1; fi
list "$DST"

step "stopTask: the plugin stack is deleted"
api stopTask "{\"id\":\"$TASK_ID\"}" > /dev/null
wait_for STOPPED 30

step "smoke test passed"
