#!/usr/bin/env bash
# Proves that a DocMap receiver works as a native-AOT app: publishes samples/DocMap.Samples.AotReceiver with
# PublishAot (dotnet publish -c Release -r linux-x64, or linux-arm64 on such a machine), fails on any trim or AOT warning, starts the native binary on a
# free loopback port with a known secret, posts a correctly signed delivery (expects 200, and the handler's log line),
# a forged one and a tampered one (expects 401 for both, the handler not called), then stops it. Exits non-zero on
# any failure, with a message that says which.
#   usage: bash .ci/aot-check.sh        (needs clang and zlib1g-dev; .ci/run installs them when absent)
#   AOT_CHECK_KEEP=DIR keeps the published binary in DIR (the benchmark script can reuse it).
#
# Warning policy: every IL2xxx (trim analysis) and IL3xxx (AOT analysis) warning fails the check, whichever assembly
# it comes from. None is tolerated: the slim ASP.NET Core host and the class-handler overload publish without any
# from the framework, and one from our libraries (DocMap.Client.*) means a user's AOT app would get it too. A
# framework warning that a future SDK brings is therefore a failure to look at, not something to filter here.
# The publish runs with the repository's TreatWarningsAsErrors relaxed for ILC/ILLink only, so that it completes
# and this script lists every warning (with TrimmerSingleWarn=false: one line per member, not one per assembly) and
# still runs the HTTP checks on the binary, which shows whether the warnings break it; the verdict stays failed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/samples/DocMap.Samples.AotReceiver/DocMap.Samples.AotReceiver.csproj"
app_name="DocMap.Samples.AotReceiver"
work="$(mktemp -d "${TMPDIR:-/tmp}/docmap-aot-check.XXXXXX")"
pid=""

cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
fail() { echo "aot-check: FAIL: $*" >&2; failures=$((failures + 1)); }
die() { echo "aot-check: FAIL: $*" >&2; exit 1; }

for tool in dotnet curl openssl; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (apt-get install -y $tool)"
done
command -v clang >/dev/null 2>&1 || die "clang is not installed: native AOT links with it (apt-get install -y clang zlib1g-dev; .ci/run does this)"

# --- 1. Native AOT publish -------------------------------------------------------------------------------------
out="$work/publish"
# The machine's own runtime identifier (linux-x64 or linux-arm64): native AOT does not cross-compile between them.
case "$(uname -m)" in
  x86_64|amd64) rid=linux-x64 ;;
  aarch64|arm64) rid=linux-arm64 ;;
  *) die "native AOT check: unsupported machine architecture $(uname -m)" ;;
esac
echo "aot-check: publishing $app_name with native AOT ($rid)"
started=$SECONDS
# A fresh artifacts path every run: an up-to-date ILC step would print no warnings, so an incremental publish could
# pass on a tree that still has some. It also keeps this publish apart from the solution's bin/ and obj/ folders.
# --disable-build-servers: no MSBuild node, compiler server or Razor server outlives this script (by default they stay
# for minutes after a build, holding a CI job open; shutting build servers down afterwards would also stop other
# builds' servers on a shared machine).
dotnet publish "$project" -c Release -r "$rid" -o "$out" -nologo --artifacts-path "$work/artifacts" --disable-build-servers \
  -p:TrimmerSingleWarn=false -p:IlcTreatWarningsAsErrors=false -p:ILLinkTreatWarningsAsErrors=false \
  >"$work/publish.log" 2>&1
publish_rc=$?
echo "aot-check: publish exited $publish_rc after $((SECONDS - started)) s"

# ILC prints each warning as "<file>(<line>): Trim analysis warning IL2026: <member>: <message> [<project>]".
# MSBuild can repeat a line; count each distinct one once.
grep -E '(warning|error) IL[23][0-9]{3}' "$work/publish.log" | sed -E 's/ \[[^]]*\.csproj\]$//' | sort -u >"$work/il-warnings.txt"
il_count=$(wc -l <"$work/il-warnings.txt")
if [[ $il_count -gt 0 ]]; then
  echo "aot-check: the native publish printed $il_count trim/AOT warning(s):" >&2
  sed 's/^/  /' "$work/il-warnings.txt" >&2
  ours=$(grep -c -E 'DocMap\.Client' "$work/il-warnings.txt")
  fail "$il_count trim/AOT warning(s) in the native publish ($ours from DocMap.Client.* code); every IL2xxx/IL3xxx warning fails this check"
fi

binary="$out/$app_name"
if [[ $publish_rc -ne 0 ]]; then
  grep -E 'error|Error' "$work/publish.log" | grep -vE 'IL[23][0-9]{3}' | sort -u | head -n 20 >&2
  if grep -q 'NU1101\|NU1102\|NU1103' "$work/publish.log"; then
    echo "aot-check: a package did not restore. Native AOT needs Microsoft.DotNet.ILCompiler, runtime.$rid.Microsoft.DotNet.ILCompiler and the Microsoft.NETCore.App.Runtime(.NativeAOT).$rid / Microsoft.AspNetCore.App.Runtime.$rid packs at the SDK's bundled runtime version ($(dotnet --list-runtimes | sed -n 's/^Microsoft.NETCore.App \([^ ]*\).*/\1/p' | tail -n 1))." >&2
  fi
  die "dotnet publish with PublishAot failed (exit $publish_rc; log above)"
fi
[[ -x "$binary" ]] || die "the publish produced no executable $binary"
# A native binary: no managed entry assembly next to it, and no dependency on the .NET runtime's libraries.
[[ -e "$out/$app_name.dll" ]] && fail "the publish left $app_name.dll: this is not a native AOT publish"
ldd "$binary" 2>/dev/null | grep -qE 'libcoreclr|libhostfxr' && fail "$app_name links the .NET runtime: this is not a native AOT binary"
echo "aot-check: native binary $(du -k "$binary" | cut -f1) KiB"

if [[ -n "${AOT_CHECK_KEEP:-}" ]]; then
  mkdir -p "$AOT_CHECK_KEEP" && cp -R "$out/." "$AOT_CHECK_KEEP/" && echo "aot-check: kept the published app in $AOT_CHECK_KEEP"
fi

# --- 2. Start it on a free loopback port -----------------------------------------------------------------------
secret="3f1c9a7e5b2d4f608a1e9c3b7d5f2a4e6c8b0d1f3a5e7c9b2d4f6a8c0e1b3d5f"   # test-only, 64 hex
other_secret="0000000000000000000000000000000000000000000000000000000000000001" # not configured
# Port 0: Kestrel binds a free port itself (no race with another process) and logs the one it got. It runs in its
# publish folder (the content root, where its appsettings.json is), as a serverless host starts it.
(cd "$out" && DocMap__Webhooks__Secrets__0="$secret" ASPNETCORE_URLS="http://127.0.0.1:0" exec "./$app_name") >"$work/app.log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 300); do   # up to 30 s
  url="$(sed -n 's/.*Now listening on: \(http:\/\/127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' "$work/app.log" | head -n 1)"
  [[ -n "$url" ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$url" ]]; then
  echo "aot-check: the receiver's output:" >&2
  sed 's/^/  /' "$work/app.log" | head -n 40 >&2
  if kill -0 "$pid" 2>/dev/null; then die "the native receiver did not report a listening address within 30 s"; fi
  wait "$pid"; rc=$?; pid=""
  die "the native receiver exited with code $rc before listening (output above)"
fi
echo "aot-check: native receiver (pid $pid) listening on $url"

# --- 3. Signed, forged and tampered deliveries ------------------------------------------------------------------
endpoint="$url/webhooks/docmap"
body="$work/body.json"
printf '%s' '{"event":"extraction.completed","extractionId":"ext_aot_check","createdAt":"2025-01-20T14:30:04.000Z","data":{"id":"ext_aot_check","status":"completed","extractedData":{"total":42}}}' >"$body"

# X-DocMap-Signature = lowercase hex HMAC-SHA256 of the raw body bytes, keyed by the UTF-8 bytes of the secret string.
sign() { openssl dgst -sha256 -hmac "$1" -hex <"$2" | sed 's/^.*= *//'; }
post() { # post <body file> <signature> -> prints the HTTP status (000 when no response)
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST -H 'Content-Type: application/json' \
    -H "X-DocMap-Signature: $2" --data-binary "@$1" "$endpoint"
}

good_signature="$(sign "$secret" "$body")"
[[ "$good_signature" =~ ^[0-9a-f]{64}$ ]] || die "openssl did not produce a hex HMAC-SHA256 ($good_signature)"

status="$(post "$body" "$good_signature")"
if [[ "$status" == "200" ]]; then echo "aot-check: signed delivery -> 200"; else fail "signed delivery answered $status, expected 200"; fi

status="$(post "$body" "$(sign "$other_secret" "$body")")"
if [[ "$status" == "401" ]]; then echo "aot-check: forged delivery (another key) -> 401"; else fail "forged delivery (signed with another key) answered $status, expected 401"; fi

tampered="$work/tampered.json"
sed 's/"total":42/"total":43/' "$body" >"$tampered"
status="$(post "$tampered" "$good_signature")"
if [[ "$status" == "401" ]]; then echo "aot-check: tampered delivery (body changed after signing) -> 401"; else fail "tampered delivery answered $status, expected 401"; fi

# --- 4. Stop it; the handler logged the signed delivery once and nothing else ----------------------------------
kill -TERM "$pid" 2>/dev/null
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done   # up to 10 s
if kill -0 "$pid" 2>/dev/null; then
  fail "the native receiver did not stop within 10 s of SIGTERM"
  kill -KILL "$pid" 2>/dev/null
fi
wait "$pid" 2>/dev/null
pid=""

handled=$(grep -c 'DocMap event extraction.completed for extraction ext_aot_check' "$work/app.log")
if [[ "$handled" -ne 1 ]]; then
  sed 's/^/  /' "$work/app.log" | head -n 40 >&2
  fail "the handler logged the delivery $handled time(s), expected exactly once (only the signed one reaches it)"
fi
if grep -q "$secret" "$work/app.log"; then fail "the receiver's output contains the secret"; fi

if [[ $failures -ne 0 ]]; then
  echo "aot-check: FAILED ($failures failure(s))" >&2
  exit 1
fi
echo "aot-check: passed"
