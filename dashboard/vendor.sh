#!/usr/bin/env bash
# Copies the pinned chart library (package-lock.json, installed by `npm ci --prefix dashboard`) into the files the API
# serves. The copy is committed, so `dotnet run` needs no Node; CI runs this again and fails on any difference (drift).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="$here/../src/WinBack.Api/wwwroot/dashboard/vendor"
mkdir -p "$target"
# The source-map comment is dropped: the map is not shipped, and a browser's request for it would only be a 404.
sed '/^\/\/# sourceMappingURL=/d' "$here/node_modules/chart.js/dist/chart.umd.min.js" > "$target/chart.umd.min.js"
cp "$here/node_modules/chart.js/LICENSE.md" "$target/chart.js.LICENSE.md"
echo "vendored chart.js $(node -p "require('$here/node_modules/chart.js/package.json').version") into $target"
