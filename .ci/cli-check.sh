#!/usr/bin/env bash
# Packs the docmap tool (DocMap.Cli) into a temporary folder feed, installs it from there with
# `dotnet tool install --tool-path`, and runs the installed `docmap` as a user would:
#   1. --version and --help;
#   2. sign / verify / verify --diagnose on a sample body, against HMACs computed by openssl (or Python);
#   3. command-line errors (exit 2) and a refused connection (exit 1);
#   4. `docmap emulator` as a background process, driven by other docmap processes: webhooks create, list --json,
#      deliveries --json, trigger, delete.
# Step 4's trigger part (trigger, then verify --diagnose on the delivery a receiver got) needs the emulator's control
# API (/_emulator/...); it runs when CLI_CHECK_TRIGGER=1 (see emulator_trigger_flow).
# Needs: dotnet, python3 (JSON checks, a tiny receiver); openssl optional. Exits non-zero on any failure.
#   usage: bash .ci/cli-check.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/docmap-cli-check.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "cli-check: FAIL: $*" >&2; for f in "$work"/out "$work"/err; do [ -f "$f" ] && sed 's/^/  | /' "$f" >&2; done; exit 1; }
step() { echo "cli-check: $*"; }

# run EXPECTED_EXIT docmap-args...: runs the installed docmap, stdout to $work/out, stderr to $work/err.
run() {
  local expected="$1"; shift
  local rc=0
  "$docmap" "$@" >"$work/out" 2>"$work/err" </dev/null || rc=$?
  [ "$rc" -eq "$expected" ] || fail "docmap $* exited $rc, expected $expected"
}
# json EXPR: evaluates a Python expression over the JSON document on stdout (as `d`); fails unless it is true.
json() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$work/out" "$1" \
    || fail "JSON check failed: $1"
}
json_value() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$work/out" "$1"; }
hmac_hex() { # KEY-MODE(text|hex) SECRET FILE
  if command -v openssl >/dev/null; then
    if [ "$1" = hex ]; then openssl dgst -sha256 -mac HMAC -macopt "hexkey:$2" "$3"; else openssl dgst -sha256 -hmac "$2" "$3"; fi | awk '{print $NF}'
  else
    python3 -c 'import hmac,hashlib,sys; k=bytes.fromhex(sys.argv[2]) if sys.argv[1]=="hex" else sys.argv[2].encode(); print(hmac.new(k, open(sys.argv[3],"rb").read(), hashlib.sha256).hexdigest())' "$1" "$2" "$3"
  fi
}

# --- 0. Pack and install -------------------------------------------------------------------------------------------
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
unset DOCMAP_API_KEY DOCMAP_BASE_URL DOCMAP_WEBHOOK_SECRET
version="$(dotnet msbuild "$root/src/DocMap.Cli/DocMap.Cli.csproj" -getProperty:PackageVersion -nologo | tr -d '[:space:]')"
[ -n "$version" ] || fail "could not read the package version"
feed="$work/feed"
step "packing DocMap.Cli $version into a temporary feed"
dotnet pack "$root/src/DocMap.Cli/DocMap.Cli.csproj" -c Release -o "$feed" -nologo -v minimal >"$work/pack.log" 2>&1 \
  || { cat "$work/pack.log" >&2; fail "dotnet pack failed"; }
if grep -Ei 'warning' "$work/pack.log" >&2; then fail "dotnet pack printed a warning (above)"; fi
package="$feed/DocMap.Cli.$version.nupkg"
[ -f "$package" ] || fail "DocMap.Cli.$version.nupkg was not produced"
listing="$(unzip -Z1 "$package")"
for entry in tools/net10.0/any/DocMap.Cli.dll tools/net10.0/any/DotnetToolSettings.xml README.md; do
  grep -qx "$entry" <<<"$listing" || fail "the package lacks $entry"
done
settings="$(unzip -p "$package" tools/net10.0/any/DotnetToolSettings.xml)"
grep -q '<Command Name="docmap"' <<<"$settings" || fail "the tool's command is not docmap"
grep -q '<packageType name="DotnetTool"' <<<"$(unzip -p "$package" DocMap.Cli.nuspec)" || fail "not a DotnetTool package"

# Only the temporary feed, and a packages folder of its own: nothing else can satisfy the install.
cat >"$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="cli-check" value="$feed" />
  </packageSources>
</configuration>
EOF
step "installing it with dotnet tool install --tool-path"
NUGET_PACKAGES="$work/packages" dotnet tool install --tool-path "$work/tools" DocMap.Cli --version "$version" \
  --add-source "$feed" --configfile "$work/nuget.config" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; fail "dotnet tool install failed"; }
docmap="$work/tools/docmap"
[ -x "$docmap" ] || fail "the tool path has no docmap command"

# --- 1. Version and help -------------------------------------------------------------------------------------------
step "docmap --version and --help"
run 0 --version
[[ "$(cat "$work/out")" == "$version"* ]] || fail "docmap --version printed '$(cat "$work/out")', expected $version"
run 0 --help
for command in webhooks deliveries trigger sign verify emulator; do
  grep -q "^  $command" "$work/out" || fail "docmap --help does not list $command"
done
run 0 webhooks create --help
grep -q -- '--secret-file' "$work/out" || fail "webhooks create --help does not show --secret-file"

# --- 2. Signatures, checked against openssl ------------------------------------------------------------------------
step "docmap sign / verify / verify --diagnose on a sample body"
secret="6f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
body="$work/body.json"
printf '{"event":"extraction.completed","extractionId":"ext_cli_check","createdAt":"2025-01-20T14:30:04.000Z","data":{"id":"ext_cli_check","status":"completed"}}' >"$body"
text_signature="$(hmac_hex text "$secret" "$body")"
hex_signature="$(hmac_hex hex "$secret" "$body")"

run 0 sign --secret "$secret" --body-file "$body"
[ "$(cat "$work/out")" = "$text_signature" ] || fail "docmap sign disagrees with the reference HMAC"
DOCMAP_WEBHOOK_SECRET="$secret" "$docmap" sign --key-derivation hex --json <"$body" >"$work/out" 2>"$work/err" \
  || fail "docmap sign from standard input failed"
json "d['signature'] == '$hex_signature' and d['keyDerivation'] == 'hexDecoded'"

run 0 verify --secret "$secret" --signature "sha256=${text_signature^^}" --body-file "$body"
grep -q '^valid:' "$work/out" || fail "verify did not say valid"
run 1 verify --secret "$secret" --signature "$hex_signature" --body-file "$body"
grep -q '^invalid:' "$work/out" || fail "verify did not say invalid"

run 0 verify --diagnose --secret "$secret" --signature "X-DocMap-Signature: $hex_signature" --body-file "$body" --json
json "d['matched'] and d['match']['keyDerivation'] == 'hexDecoded' and d['match']['body'] == 'asGiven'"
json "any(s['configurationKey'] == 'DocMap:Webhooks:KeyDerivation' and s['value'] == 'HexDecoded' for s in d['settings'])"
printf '\n' >>"$body" # an editor's trailing newline: the signature was made without it
run 0 verify --diagnose --secret "$secret" --signature "$text_signature" --body-file "$body" --json
json "d['match']['body'] == 'trailingNewlineRemoved' and d['settings'] == []"
run 1 verify --diagnose --secret "$(printf 'a%.0s' {1..64})" --signature "$text_signature" --body-file "$body" --json
json "not d['matched'] and d['match'] is None"
grep -q "$secret" "$work/out" "$work/err" && fail "a secret was printed"

# --- 3. Errors: exit 2 for the command line, exit 1 for the network ------------------------------------------------
step "command-line errors exit 2, a refused connection exits 1"
run 2 deliveries --limit 0
grep -q -- '--limit must be' "$work/err" || fail "no clear message for --limit 0"
run 2 webhoks
run 2 webhooks list
grep -q 'DOCMAP_API_KEY' "$work/err" || fail "a missing API key is not explained"
closed_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
key="dm_live_$(printf '5%.0s' {1..64})"
run 1 webhooks list --api-key "$key" --base-url "http://127.0.0.1:$closed_port" --json
json "d['error']['kind'] == 'network'"
grep -q "$key" "$work/out" "$work/err" && fail "the API key was printed"

# --- 4. The emulator as a process, driven by other docmap processes ------------------------------------------------
emulator_json="$work/emulator.json"
start_emulator() { # [docmap emulator options...]
  "$docmap" emulator --json "$@" >"$emulator_json" 2>"$work/emulator.err" </dev/null &
  emulator_pid=$!
  pids+=("$emulator_pid")
  for _ in $(seq 1 600); do
    [ -s "$emulator_json" ] && break
    kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.err" >&2; fail "docmap emulator exited early"; }
    sleep 0.1
  done
  [ -s "$emulator_json" ] || fail "docmap emulator printed nothing within 60 s"
  DOCMAP_BASE_URL="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["url"])' "$emulator_json")"
  DOCMAP_API_KEY="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["apiKey"])' "$emulator_json")"
  export DOCMAP_BASE_URL DOCMAP_API_KEY
}
stop_emulator() {
  kill -TERM "$emulator_pid"
  local rc=0
  wait "$emulator_pid" || rc=$?
  [ "$rc" -eq 0 ] || fail "docmap emulator exited $rc on SIGTERM, expected 0"
  unset DOCMAP_BASE_URL DOCMAP_API_KEY
}

emulator_api_flow() {
  step "docmap emulator: webhooks create, list --json, deliveries --json, delete"
  run 0 webhooks create "http://127.0.0.1:$closed_port/hook" --event extraction.completed --json
  json "len(d['secret']) == 64 and d['webhook']['events'] == ['extraction.completed']"
  webhook_id="$(json_value "d['webhook']['id']")"
  run 0 webhooks list --json
  json "[w['id'] for w in d['webhooks']] == ['$webhook_id']"
  run 0 deliveries --webhook "$webhook_id" --json
  json "d['deliveries'] == []"
  run 0 webhooks delete "$webhook_id" --json
  json "d == {'id': '$webhook_id', 'deleted': True}"
  run 1 webhooks delete "$webhook_id"
  grep -q '404 NOT_FOUND' "$work/err" || fail "a second delete did not report NOT_FOUND"
}

# trigger, then verify --diagnose on what a receiver got. Needs the emulator's control API (POST /_emulator/trigger).
emulator_trigger_flow() {
  step "docmap emulator: trigger a delivery to a receiver, deliveries --json, verify --diagnose on the delivery"
  # A receiver that keeps the last body and signature it was sent.
  cat >"$work/receiver.py" <<'PY'
import http.server, sys
out = sys.argv[1]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        open(out + "/delivery.body", "wb").write(body)
        open(out + "/delivery.signature", "w").write(self.headers.get("X-DocMap-Signature", ""))
        self.send_response(200); self.end_headers()
    def log_message(self, *args): pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
open(out + "/receiver.port", "w").write(str(server.server_address[1]))
server.serve_forever()
PY
  python3 "$work/receiver.py" "$work" &
  pids+=("$!")
  for _ in $(seq 1 100); do [ -s "$work/receiver.port" ] && break; sleep 0.1; done
  [ -s "$work/receiver.port" ] || fail "the receiver did not start"
  run 0 webhooks create "http://127.0.0.1:$(cat "$work/receiver.port")/hook" --json
  hook_id="$(json_value "d['webhook']['id']")"
  hook_secret="$(json_value "d['secret']")"
  run 0 trigger extraction.completed --extraction-id ext_cli_check --webhook "$hook_id" --json
  json "len(d['deliveries']) == 1 and d['deliveries'][0]['status'] == 'success' and d['deliveries'][0]['httpStatus'] == 200"
  run 0 deliveries --webhook "$hook_id" --json
  json "len(d['deliveries']) == 1 and d['deliveries'][0]['extractionId'] == 'ext_cli_check'"
  run 0 verify --diagnose --secret "$hook_secret" --signature "$(cat "$work/delivery.signature")" --body-file "$work/delivery.body" --json
  json "d['matched'] and d['match']['body'] == 'asGiven' and d['settings'] == []"
  run 0 webhooks delete "$hook_id"
}

start_emulator
emulator_api_flow
if [ "${CLI_CHECK_TRIGGER:-0}" = 1 ]; then
  emulator_trigger_flow
else
  # Until then, trigger against this emulator is refused as against any non-emulator (exit 1, kind notEmulator).
  run 1 trigger extraction.completed --json
  json "d['error']['kind'] == 'notEmulator'"
fi
stop_emulator
grep -q 'Stopping the emulator.' "$work/emulator.err" || fail "the emulator did not stop cleanly"

step "passed"
