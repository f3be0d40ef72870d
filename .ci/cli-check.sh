#!/usr/bin/env bash
# Packs the docmap tool (DocMap.Cli) into a temporary folder feed, installs it from there with
# `dotnet tool install --tool-path`, and runs the installed `docmap` as a user would:
#   1. --version and --help;
#   2. sign / verify / verify --diagnose on a sample body, against HMACs computed by openssl (or Python);
#   3. command-line errors (exit 2) and a refused connection (exit 1);
#   4. `docmap emulator --port <free> --api-key <k> --webhook <receiver> --secret <s>` as a background process, a
#      Python receiver on loopback, and other docmap processes: webhooks list/create, trigger (to the webhook registered
#      with the chosen secret, and to one created through the API), deliveries --json, verify --diagnose on the body the
#      receiver got, delete; trigger against something that is not an emulator is refused;
#   5. the emulator's control API from Python's standard library (tests/DocMap.Client.Testing.Tests/python/
#      control_api_check.py) against that same emulator process; then SIGTERM stops it with exit 0.
# Every wait is bounded (each docmap run 120 s, start-up 60 s, shutdown 30 s) and every process started here is
# killed on exit. Needs: dotnet, python3; openssl optional. Exits non-zero on any failure.
#   usage: bash .ci/cli-check.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/docmap-cli-check.XXXXXX")"
pids=()
cleanup() {
  local pid alive
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 100); do # up to 10 s for a clean stop, then SIGKILL
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "cli-check: FAIL: $*" >&2; for f in "$work"/out "$work"/err; do [ -f "$f" ] && sed 's/^/  | /' "$f" >&2; done; exit 1; }
step() { echo "cli-check: $*"; }

# run EXPECTED_EXIT docmap-args...: runs the installed docmap (at most 120 s), stdout to $work/out, stderr to $work/err.
run() {
  local expected="$1"; shift
  local rc=0
  timeout 120 "$docmap" "$@" >"$work/out" 2>"$work/err" </dev/null || rc=$?
  [ "$rc" -ne 124 ] || fail "docmap $* did not finish within 120 s"
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

# --- 4. The emulator as a process, a receiver, and other docmap processes -----------------------------------------
# A receiver on loopback that keeps the last body and signature it was sent (files written before it answers 200).
cat >"$work/receiver.py" <<'PY'
import http.server, sys
out = sys.argv[1]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        open(out + "/delivery.body", "wb").write(body)
        open(out + "/delivery.signature", "w").write(self.headers.get("X-DocMap-Signature", ""))
        open(out + "/delivery.path", "w").write(self.path)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
server.timeout = 30
open(out + "/receiver.port.tmp", "w").write(str(server.server_address[1]))
import os; os.replace(out + "/receiver.port.tmp", out + "/receiver.port")
server.serve_forever()
PY
python3 "$work/receiver.py" "$work" &
pids+=("$!")
for _ in $(seq 1 100); do [ -s "$work/receiver.port" ] && break; sleep 0.1; done
[ -s "$work/receiver.port" ] || fail "the receiver did not start within 10 s"
receiver="http://127.0.0.1:$(cat "$work/receiver.port")"

emulator_key="cli-check-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
emulator_secret="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
emulator_json="$work/emulator.json"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
emulator_started() { [ "$(wc -l <"$emulator_json")" -ge 1 ]; } # its first line is complete
start_emulator() {
  local attempt
  for attempt in 1 2 3 4 5; do # a free port can be taken between the probe and the bind: then try another
    emulator_port="$(free_port)"
    : >"$emulator_json"
    "$docmap" emulator --port "$emulator_port" --api-key "$emulator_key" --webhook "$receiver/hooks/docmap" --secret "$emulator_secret" \
      --json >"$emulator_json" 2>"$work/emulator.err" </dev/null &
    emulator_pid=$!
    pids+=("$emulator_pid")
    for _ in $(seq 1 600); do
      emulator_started && return 0
      kill -0 "$emulator_pid" 2>/dev/null || break
      sleep 0.1
    done
    emulator_started && return 0
    if ! kill -0 "$emulator_pid" 2>/dev/null && grep -q 'already in use' "$work/emulator.err"; then continue; fi
    cat "$work/emulator.err" >&2
    kill -0 "$emulator_pid" 2>/dev/null && fail "docmap emulator printed nothing within 60 s"
    fail "docmap emulator exited early"
  done
  fail "docmap emulator found no free port in 5 attempts"
}
# emulator_value EXPR: a Python expression over the emulator's start-up line (as `d`).
emulator_value() { python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).readline()); print(eval(sys.argv[2]))' "$emulator_json" "$1"; }
stop_emulator() {
  kill -TERM "$emulator_pid"
  for _ in $(seq 1 300); do kill -0 "$emulator_pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$emulator_pid" 2>/dev/null && fail "docmap emulator did not stop within 30 s of SIGTERM"
  local rc=0
  wait "$emulator_pid" || rc=$?
  [ "$rc" -eq 0 ] || fail "docmap emulator exited $rc on SIGTERM, expected 0"
}

step "docmap emulator --port --api-key --webhook --secret as a process"
start_emulator
[ "$(emulator_value "d['url']")" = "http://127.0.0.1:$emulator_port/" ] || fail "the emulator is not on port $emulator_port: $(cat "$emulator_json")"
[ "$(emulator_value "d['apiKey'] is None and d['webhook']['secret'] is None")" = True ] || fail "the emulator echoed the key or secret it was given"
hook_id="$(emulator_value "d['webhook']['webhook']['id']")"
export DOCMAP_BASE_URL="http://127.0.0.1:$emulator_port/" DOCMAP_API_KEY="$emulator_key"

step "webhooks list, trigger, deliveries --json, verify --diagnose on the body the receiver got"
run 0 webhooks list --json
json "[(w['id'], w['url']) for w in d['webhooks']] == [('$hook_id', '$receiver/hooks/docmap')]"
run 0 trigger extraction.completed --extraction-id ext_cli_check --webhook "$hook_id" --json
json "d['emulator']['name'] == 'docmap-emulator' and len(d['deliveries']) == 1"
json "d['deliveries'][0]['status'] == 'success' and d['deliveries'][0]['httpStatus'] == 200 and d['deliveries'][0]['webhookId'] == '$hook_id'"
[ "$(cat "$work/delivery.path")" = /hooks/docmap ] || fail "the delivery went to $(cat "$work/delivery.path")"
run 0 deliveries --webhook "$hook_id" --json
json "len(d['deliveries']) == 1 and d['deliveries'][0]['extractionId'] == 'ext_cli_check' and d['deliveries'][0]['status'] == 'success'"
run 0 verify --diagnose --secret "$emulator_secret" --signature "$(cat "$work/delivery.signature")" --body-file "$work/delivery.body" --json
json "d['matched'] and d['match']['body'] == 'asGiven' and d['match']['keyDerivation'] == 'utf8Text' and d['settings'] == []"
[ "$(hmac_hex text "$emulator_secret" "$work/delivery.body")" = "$(cat "$work/delivery.signature")" ] \
  || fail "the delivery's signature is not the reference HMAC of its body with the chosen secret"

step "webhooks create, trigger --data to it, verify with its printed secret, delete"
run 0 webhooks create "$receiver/hooks/second" --event extraction.failed --json
json "len(d['secret']) == 64 and d['webhook']['events'] == ['extraction.failed']"
second_id="$(json_value "d['webhook']['id']")"
second_secret="$(json_value "d['secret']")"
printf '{"templateName":"Invoice","error":"unreadable scan"}' >"$work/data.json"
run 0 trigger extraction.failed --data "$work/data.json" --webhook "$second_id" --json
json "[(x['webhookId'], x['httpStatus']) for x in d['deliveries']] == [('$second_id', 200)]"
[ "$(cat "$work/delivery.path")" = /hooks/second ] || fail "the second delivery went to $(cat "$work/delivery.path")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["data"]["templateName"] == "Invoice" and d["event"] == "extraction.failed" else 1)' "$work/delivery.body" \
  || fail "the delivered body does not carry the --data record"
run 0 verify --secret "$second_secret" --signature "$(cat "$work/delivery.signature")" --body-file "$work/delivery.body"
run 0 webhooks delete "$second_id" --json
json "d == {'id': '$second_id', 'deleted': True}"
run 1 webhooks delete "$second_id"
grep -q '404 NOT_FOUND' "$work/err" || fail "a second delete did not report NOT_FOUND"

step "trigger against something that is not an emulator is refused"
run 1 trigger extraction.completed --base-url "$receiver/" --json
json "d['error']['kind'] == 'notEmulator'"

step "the control API from Python (control_api_check.py) against the same emulator process"
timeout 120 python3 "$root/tests/DocMap.Client.Testing.Tests/python/control_api_check.py" >"$work/out" 2>"$work/err" </dev/null \
  || fail "control_api_check.py failed against the docmap emulator process (exit $?)"
grep -q 'control API check: OK' "$work/out" || fail "control_api_check.py did not report OK"

stop_emulator
grep -q 'Stopping the emulator.' "$work/emulator.err" || fail "the emulator did not stop cleanly"
if grep -qF -e "$emulator_key" -e "$emulator_secret" "$emulator_json" "$work/emulator.err"; then fail "the emulator printed the key or secret it was given"; fi

step "passed"
