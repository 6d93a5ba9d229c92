#!/usr/bin/env bash
# Builds SeaweedFS's `weed` from the pinned module (the Go module proxy serves
# it; `go install pkg@version` refuses it because its go.mod has replace
# directives, so it is built as its own main module in a scratch copy).
# Idempotent: does nothing when bin/weed already is that version.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(cat infra/seaweedfs/VERSION)
out=bin/weed
if [ -x "$out" ] && [ "$(cat "$out.version" 2>/dev/null)" = "$version" ]; then
	exit 0
fi
echo "building SeaweedFS weed $version (once per machine; a few minutes)"
dir=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/seaweedfs/seaweedfs@$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
scratch=$(mktemp -d)
trap 'chmod -R u+w "$scratch"; rm -rf "$scratch"' EXIT
cp -r "$dir/." "$scratch"
chmod -R u+w "$scratch"
mkdir -p bin
(cd "$scratch" && go build -trimpath -o "$OLDPWD/$out.tmp" ./weed)
mv "$out.tmp" "$out"
echo "$version" > "$out.version"
"$out" version | head -1
