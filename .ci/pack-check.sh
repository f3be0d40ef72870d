#!/usr/bin/env bash
# Packs the whole solution into a temporary folder feed, checks the DocMap.Client package's layout and dependencies,
# then restores, builds and runs the tiny consumer in .ci/consumer against those packages (by version, with its own
# nuget.config and an isolated packages folder). Exits non-zero on any failure.
#   usage: bash .ci/pack-check.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/docmap-pack-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

fail() { echo "pack-check: FAIL: $*" >&2; exit 1; }

version="$(dotnet msbuild "$root/src/DocMap.Client/DocMap.Client.csproj" -getProperty:PackageVersion -nologo | tr -d '[:space:]')"
[ -n "$version" ] || fail "could not read the package version"
echo "pack-check: packing DocMap.Client.sln $version into a temporary feed"

# The consumer is copied next to its feed and packages folder: nuget.config refers to both relatively.
cp -R "$root/.ci/consumer" "$work/consumer"
feed="$work/consumer/feed"
mkdir -p "$feed"

dotnet pack "$root/DocMap.Client.sln" -c Release -o "$feed" -nologo -v minimal >"$work/pack.log" 2>&1 \
  || { cat "$work/pack.log" >&2; fail "dotnet pack failed"; }
# Packing the solution is quiet: no warning (samples, tests) and no package-authoring message.
if grep -Ei 'warning|missing a readme' "$work/pack.log" >&2; then fail "dotnet pack printed a warning or an authoring message (above)"; fi

for package in DocMap.Client DocMap.Client.Signatures DocMap.Client.Signatures.AspNetCore DocMap.Client.Redis DocMap.Client.Testing; do
  [ -f "$feed/$package.$version.nupkg" ] || fail "$package.$version.nupkg was not produced"
  [ -f "$feed/$package.$version.snupkg" ] || fail "$package.$version.snupkg (symbols) was not produced"
done

client="$feed/DocMap.Client.$version.nupkg"
listing="$(unzip -Z1 "$client")"
for entry in lib/net10.0/DocMap.Client.dll lib/net10.0/DocMap.Client.xml README.md DocMap.Client.nuspec; do
  grep -qx "$entry" <<<"$listing" || fail "DocMap.Client.$version.nupkg lacks $entry"
done
grep -q '\.pdb$' <<<"$listing" && fail "DocMap.Client.$version.nupkg carries a .pdb (it belongs in the .snupkg)"
# (Listings are captured before grep -q so that an early exit of grep cannot fail the pipeline under pipefail.)
symbols="$(unzip -Z1 "$feed/DocMap.Client.$version.snupkg")"
grep -qx 'lib/net10.0/DocMap.Client.pdb' <<<"$symbols" || fail "the .snupkg lacks DocMap.Client.pdb"

nuspec="$(unzip -p "$client" DocMap.Client.nuspec)"
grep -q '<license type="expression">' <<<"$nuspec" || fail "no license expression in the nuspec"
grep -q '<readme>README.md</readme>' <<<"$nuspec" || fail "no readme in the nuspec"
grep -q '<repository type="git"' <<<"$nuspec" || fail "no repository in the nuspec"
grep -q "<dependency id=\"DocMap.Client.Signatures\" version=\"$version\"" <<<"$nuspec" || fail "DocMap.Client.Signatures $version is not a dependency"
for dependency in Refit Microsoft.Extensions.Http.Polly Microsoft.Extensions.Options.ConfigurationExtensions Microsoft.Extensions.Diagnostics.HealthChecks; do
  expected="$(sed -n "s/.*<PackageVersion Include=\"$dependency\" Version=\"\([^\"]*\)\".*/\1/p" "$root/Directory.Packages.props")"
  grep -q "<dependency id=\"$dependency\" version=\"$expected\"" <<<"$nuspec" || fail "dependency $dependency $expected missing or at another version"
done
echo "pack-check: package layout, symbols and dependencies are as expected"

echo "pack-check: restoring, building and running the consumer against the packed $version"
cd "$work/consumer"
dotnet restore -p:DocMapVersion="$version" -nologo >"$work/restore.log" 2>&1 \
  || { cat "$work/restore.log" >&2; fail "the consumer did not restore from the local feed"; }
for package in docmap.client docmap.client.signatures docmap.client.signatures.aspnetcore docmap.client.testing; do
  [ -d "packages/$package/$version" ] || fail "$package $version was not restored into the isolated packages folder"
done
dotnet build -c Release --no-restore -p:DocMapVersion="$version" -nologo -v minimal >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; fail "the consumer did not build"; }
dotnet run -c Release --no-build -p:DocMapVersion="$version" || fail "the consumer's checks failed"
echo "pack-check: passed"
