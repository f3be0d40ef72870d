#!/usr/bin/env python3
"""Start-up time, working set and size of the AOT receiver sample: native AOT next to JIT builds of the same app.

Publishes samples/DocMap.Samples.AotReceiver three ways (unless --publish-dir points at an earlier run's folder):
  aot  dotnet publish -c Release -r linux-x64                        (PublishAot=true, the project's default)
  jit  dotnet publish -c Release -p:PublishAot=false                 (framework-dependent, IL only)
  r2r  dotnet publish -c Release -r linux-x64 --self-contained false -p:PublishAot=false -p:PublishReadyToRun=true
then, for --runs rounds (the builds interleaved in every round), starts each build on a free loopback port with a
known secret and measures:
  start-up  from just before the process is spawned to the first 200 answer to a correctly signed delivery
            (a new connection every 5 ms until one is accepted; the first request's own work is included)
  RSS       VmRSS of the process right after that first 200, and after --deliveries more signed deliveries posted
            one after another on one keep-alive connection (plus VmHWM, the peak)
The handler's log line is counted afterwards: every delivery must have reached the handler once. Sizes: the
executable, and the deployed files (the publish folder without .dbg, .pdb and .xml files).
Prints medians (and min-max) as a Markdown table. Bounded: 30 s per start-up, 10 s per request, 10 s per stop.
Only loopback traffic. Needs python3 and, for the aot build, clang (see .ci/aot-check.sh).

  python3 tests/DocMap.Client.Benchmarks/aot-receiver-startup.py --runs 10 --deliveries 1000
"""
import argparse
import hashlib
import hmac
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROJECT = os.path.join(ROOT, "samples", "DocMap.Samples.AotReceiver", "DocMap.Samples.AotReceiver.csproj")
APP = "DocMap.Samples.AotReceiver"
SECRET = "3f1c9a7e5b2d4f608a1e9c3b7d5f2a4e6c8b0d1f3a5e7c9b2d4f6a8c0e1b3d5f"  # test-only
BODY = (b'{"event":"extraction.completed","extractionId":"ext_bench","createdAt":"2025-01-20T14:30:04.000Z",'
        b'"data":{"id":"ext_bench","status":"completed","extractedData":{"total":42}}}')
SIGNATURE = hmac.new(SECRET.encode("utf-8"), BODY, hashlib.sha256).hexdigest()
HEADERS = {"Content-Type": "application/json", "X-DocMap-Signature": SIGNATURE}
PATH = "/webhooks/docmap"

BUILDS = {
    "aot": ["-r", "linux-x64"],
    "jit": ["-p:PublishAot=false"],
    "r2r": ["-r", "linux-x64", "--self-contained", "false", "-p:PublishAot=false", "-p:PublishReadyToRun=true"],
}
DESCRIPTIONS = {
    "aot": "native AOT (`-r linux-x64`, PublishAot)",
    "jit": "JIT, framework-dependent (`-p:PublishAot=false`)",
    "r2r": "JIT + ReadyToRun, framework-dependent (`-r linux-x64 -p:PublishReadyToRun=true`)",
}


def publish(build, out_dir, artifacts):
    cmd = ["dotnet", "publish", PROJECT, "-c", "Release", "-o", out_dir, "-nologo",
           "--artifacts-path", os.path.join(artifacts, build)] + BUILDS[build]
    print(f"publishing {build}: {' '.join(cmd[2:])}", file=sys.stderr)
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        sys.exit(f"dotnet publish ({build}) failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found for pid {pid}")


def post(conn):
    conn.request("POST", PATH, body=BODY, headers=HEADERS)
    response = conn.getresponse()
    response.read()
    return response.status


def one_run(build, app_dir, deliveries, log_path):
    port = free_port()
    env = dict(os.environ, DocMap__Webhooks__Secrets__0=SECRET, ASPNETCORE_URLS=f"http://127.0.0.1:{port}")
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen([os.path.join(app_dir, APP)], cwd=app_dir, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = started + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{build} exited with {process.returncode} before answering; see {log_path}")
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{build} did not answer within 30 s")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status = post(conn)
                break
            except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
                time.sleep(0.005)
        startup_ms = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"{build}: first signed delivery answered {status}")
        rss_start = rss_kib(process.pid)

        load_started = time.perf_counter()
        for _ in range(deliveries):
            status = post(conn)
            if status != 200:
                raise RuntimeError(f"{build}: a signed delivery answered {status}")
        load_s = time.perf_counter() - load_started
        conn.close()
        rss_after = rss_kib(process.pid)
        hwm = rss_kib(process.pid, "VmHWM")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    with open(log_path, "rb") as log:
        handled = log.read().count(b"DocMap event extraction.completed for extraction ext_bench")
    if handled != deliveries + 1:
        raise RuntimeError(f"{build}: the handler logged {handled} deliveries, expected {deliveries + 1}")
    return {"startup_ms": startup_ms, "rss_start": rss_start, "rss_after": rss_after, "hwm": hwm,
            "per_s": deliveries / load_s if load_s > 0 else 0.0}


def deployed_kib(path):
    """What a deployment carries: the publish folder without debug symbols and XML docs (.dbg, .pdb, .xml)."""
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            if not name.endswith((".dbg", ".pdb", ".xml")):
                total += os.path.getsize(os.path.join(folder, name))
    return total // 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="rounds (each starts every build once); 1-100")
    parser.add_argument("--deliveries", type=int, default=1000, help="signed deliveries after start-up; 0-100000")
    parser.add_argument("--builds", default="aot,jit,r2r", help="comma-separated subset of aot,jit,r2r")
    parser.add_argument("--publish-dir", help="reuse (or keep) the published builds in this folder")
    args = parser.parse_args()
    if not 1 <= args.runs <= 100 or not 0 <= args.deliveries <= 100000:
        parser.error("--runs must be 1-100 and --deliveries 0-100000")
    builds = [b for b in args.builds.split(",") if b]
    if any(b not in BUILDS for b in builds):
        parser.error("--builds takes aot, jit and r2r")

    scratch = tempfile.mkdtemp(prefix="docmap-aot-bench.")
    publish_dir = args.publish_dir or os.path.join(scratch, "publish")
    try:
        for build in builds:
            out_dir = os.path.join(publish_dir, build)
            if not os.path.exists(os.path.join(out_dir, APP)):
                publish(build, out_dir, os.path.join(scratch, "artifacts"))

        results = {b: [] for b in builds}
        for run in range(args.runs):
            for build in builds:
                r = one_run(build, os.path.join(publish_dir, build), args.deliveries,
                            os.path.join(scratch, f"{build}-{run}.log"))
                results[build].append(r)
                print(f"run {run + 1} {build}: start-up {r['startup_ms']:.0f} ms, RSS {r['rss_start'] / 1024:.1f} MiB"
                      f" -> {r['rss_after'] / 1024:.1f} MiB (peak {r['hwm'] / 1024:.1f}), {r['per_s']:.0f} deliveries/s",
                      file=sys.stderr)

        def cell(build, key, scale=1.0, fmt="{:.0f}"):
            values = [r[key] / scale for r in results[build]]
            return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"

        print(f"\n{args.runs} runs each, {args.deliveries} signed deliveries after start-up; median (min-max)\n")
        print("| build | start-up to first 200 (ms) | RSS after start (MiB) | RSS after deliveries (MiB) "
              "| peak RSS (MiB) | deliveries/s, 1 connection | executable (KiB) | deployed files (KiB) |")
        print("|---|--:|--:|--:|--:|--:|--:|--:|")
        for build in builds:
            out_dir = os.path.join(publish_dir, build)
            print(f"| {DESCRIPTIONS[build]} | {cell(build, 'startup_ms')} | {cell(build, 'rss_start', 1024, '{:.1f}')} "
                  f"| {cell(build, 'rss_after', 1024, '{:.1f}')} | {cell(build, 'hwm', 1024, '{:.1f}')} "
                  f"| {cell(build, 'per_s')} | {os.path.getsize(os.path.join(out_dir, APP)) // 1024} | {deployed_kib(out_dir)} |")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
