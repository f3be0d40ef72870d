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

# Every package (the docmap tool's too) carries its own short readme, src/<package>/README.md, as README.md, never the
# repository's README.md (written for contributors, and not a package's front page), and the MIT license text beside
# its license expression.
[ -f "$feed/DocMap.Cli.$version.nupkg" ] || fail "DocMap.Cli.$version.nupkg was not produced"
for package in DocMap.Client DocMap.Client.Signatures DocMap.Client.Signatures.AspNetCore DocMap.Client.Redis DocMap.Client.Testing DocMap.Cli; do
  nupkg="$feed/$package.$version.nupkg"
  own="$root/src/$package/README.md"
  [ -f "$own" ] || fail "src/$package/README.md (the package's readme) does not exist"
  entries="$(unzip -Z1 "$nupkg")"
  grep -qx 'README.md' <<<"$entries" || fail "$package.$version.nupkg has no README.md"
  grep -qx 'LICENSE' <<<"$entries" || fail "$package.$version.nupkg has no LICENSE"
  package_nuspec="$(unzip -p "$nupkg" "$package.nuspec")"
  grep -q '<readme>README.md</readme>' <<<"$package_nuspec" || fail "$package's nuspec names no readme"
  grep -q '<license type="expression">MIT</license>' <<<"$package_nuspec" || fail "$package's nuspec has no MIT license expression"
  unzip -p "$nupkg" README.md >"$work/readme.md"
  if cmp -s "$work/readme.md" "$root/README.md"; then fail "$package.$version.nupkg carries the repository's README.md instead of src/$package/README.md"; fi
  cmp -s "$work/readme.md" "$own" || fail "$package.$version.nupkg's README.md is not src/$package/README.md"
  unzip -p "$nupkg" LICENSE | cmp -s - "$root/LICENSE" || fail "$package.$version.nupkg's LICENSE is not the repository's LICENSE"
done
echo "pack-check: every package carries its own README.md and the LICENSE"

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
# --- The dotnet new template, as a user gets it: installed from the feed, instantiated, its tests run ---
templates="$feed/DocMap.Templates.$version.nupkg"
[ -f "$templates" ] || fail "DocMap.Templates.$version.nupkg was not produced"
grep -qx 'content/docmap-receiver/.template.config/template.json' <<<"$(unzip -Z1 "$templates")" || fail "DocMap.Templates lacks content/docmap-receiver/.template.config/template.json"
# The template's projects reference the DocMap packages of this very version (bump them with <Version>).
for project in "$root"/templates/DocMap.Templates/content/*/*/*.csproj; do
  while IFS= read -r reference; do
    grep -q "Version=\"$version\"" <<<"$reference" || fail "$(basename "$project") references $reference, not $version"
  done < <(grep -o '<PackageReference Include="DocMap\.[^"]*" Version="[^"]*"' "$project")
done
echo "pack-check: installing DocMap.Templates $version, instantiating docmap-receiver and running its tests"
hive="$work/template-hive"
# Its own folder (no Directory.Build.* above it), with a nuget.config like the consumer's: DocMap.* only from the feed,
# the consumer's isolated packages folder (what the consumer restored is not downloaded again).
mkdir -p "$work/template"
sed -e "s|value=\"feed\"|value=\"$feed\"|" -e "s|value=\"packages\"|value=\"$work/consumer/packages\"|" \
  "$root/.ci/consumer/nuget.config" >"$work/template/nuget.config"
grep -q "value=\"$feed\"" "$work/template/nuget.config" || fail "could not write the template's nuget.config"
instance="$work/template/Acme.Receiver"
dotnet new install "$templates" --debug:custom-hive "$hive" >"$work/template-install.log" 2>&1 \
  || { cat "$work/template-install.log" >&2; fail "dotnet new install DocMap.Templates failed"; }
dotnet new docmap-receiver -o "$instance" --debug:custom-hive "$hive" >"$work/template-new.log" 2>&1 \
  || { cat "$work/template-new.log" >&2; fail "dotnet new docmap-receiver failed"; }
[ -f "$instance/Acme.Receiver/Acme.Receiver.csproj" ] && [ -f "$instance/Acme.Receiver.Tests/Acme.Receiver.Tests.csproj" ] \
  || fail "docmap-receiver did not create Acme.Receiver and Acme.Receiver.Tests"
(cd "$instance" && dotnet test -c Release -nologo --logger "trx;LogFileName=template.trx" --results-directory "$work/template-results") >"$work/template-test.log" 2>&1 \
  || { cat "$work/template-test.log" >&2; fail "the docmap-receiver template's tests failed"; }
counters="$(grep -o '<Counters [^>]*>' "$work/template-results/template.trx" | head -n 1)"
template_passed="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
[ "${template_passed:-0}" -ge 4 ] || fail "the docmap-receiver template ran ${template_passed:-0} tests, expected at least 4"
echo "pack-check: the docmap-receiver template's $template_passed tests passed"
dotnet new docmap-receiver -o "$work/template/no-tests" --skip-tests --debug:custom-hive "$hive" >"$work/template-new2.log" 2>&1 \
  || { cat "$work/template-new2.log" >&2; fail "dotnet new docmap-receiver --skip-tests failed"; }
[ ! -e "$work/template/no-tests/no-tests.Tests" ] && ! grep -q Tests "$work/template/no-tests/no-tests.slnx" || fail "--skip-tests still created the test project"

echo "pack-check: passed"
