#!/usr/bin/env bash
# Seeds each fuzz target's corpus (fuzz/corpus/<target>/) from this repository's own fixtures,
# plus every committed regression input. Run from anywhere; safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
root=..
for target in csdl diff page next_link; do mkdir -p "corpus/$target"; done

for doc in "$root"/fixtures/*/metadata.xml "$root"/codegen/tests/goldens/cases/*.xml; do
    name=$(echo "${doc#"$root"/}" | tr '/' '_')
    cp "$doc" "corpus/csdl/$name"
done
# diff: two documents joined by a NUL byte, and each document alone (compared with itself).
{ cat "$root/fixtures/v1.0/metadata.xml"; printf '\0'; cat "$root/fixtures/beta/metadata.xml"; } >corpus/diff/v1.0-beta
for doc in "$root"/codegen/tests/goldens/cases/*.xml; do cp "$doc" "corpus/diff/$(basename "$doc")"; done

for sample in "$root"/fixtures/v1.0/samples/*.json; do cp "$sample" "corpus/page/$(basename "$sample")"; done

links=(
    'https://fef.msua06.manage.microsoft.com/ReportingService/DataWarehouseFEService/devices?api-version=v1.0&$skiptoken=2'
    'devices?api-version=v1.0&$skiptoken=3'
    '/ReportingService/DataWarehouseFEService/devices?$skip=100'
    '//evil.example/devices'
    'http://[::1'
    '{"entitySet":"devices","query":"https://h/svc/devices?api-version=v1.0","nextLink":"https://h/svc/devices?api-version=v1.0&$skiptoken=2"}'
)
for i in "${!links[@]}"; do printf '%s' "${links[$i]}" >"corpus/next_link/seed-$i"; done

for target in csdl diff page next_link; do
    if [ -d "regressions/$target" ]; then cp regressions/"$target"/* "corpus/$target/" 2>/dev/null || true; fi
done
echo "seeded: $(for t in csdl diff page next_link; do printf '%s=%s ' "$t" "$(ls corpus/$t | wc -l)"; done)"
