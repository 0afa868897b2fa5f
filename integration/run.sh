#!/usr/bin/env bash
# Integration with the real tools: crawl a hostile test site, build a Hexo 8
# site from the export with `hexo generate`, and read the WARC export with
# warcio. Needs Go, Node.js 18+ and npm (the registry, for `npm ci`).
# Exits non-zero on any failure; prints a one-line summary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
work=$(mktemp -d)
site_pid=""
cleanup() {
	if [ -n "$site_pid" ]; then kill "$site_pid" 2>/dev/null || true; fi
	if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
die() { echo "integration: FAIL: $*" >&2; exit 1; }

npm ci --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1 || { cat "$work/npm.log"; die "npm ci"; }
go build -o "$work/chronicle" ../cmd/chronicle
go build -o "$work/hostilesite" ./hostilesite

"$work/hostilesite" -dir "$work" >"$work/url" &
site_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || die "hostile site did not start"

cp -R hexo-site "$work/site"
ln -s "$here/node_modules" "$work/site/node_modules"
chronicle() { "$work/chronicle" --config "$work/config.yaml" --log-level warn "$@"; }

chronicle crawl --json >"$work/crawl.json"
chronicle export --format hexo >"$work/export.txt"
# A second export must change nothing.
chronicle export --format hexo | grep -q ' 0 posts written, 14 unchanged, 0 images' || die "re-export rewrote posts"

(cd "$work/site" && node "$here/node_modules/hexo/bin/hexo" generate) >"$work/hexo.log" 2>&1 || { cat "$work/hexo.log"; die "hexo generate exited non-zero"; }
if grep -E 'Process failed|FATAL|Error' "$work/hexo.log"; then cat "$work/hexo.log"; die "hexo reported errors"; fi
hexo_line=$(node check-hexo.js "$work/expected.json" "$work/site/public") || die "hexo site check"

chronicle export --format warc --all-versions >/dev/null
warc_line=$(node check-warc.js "$work/warc/chronicle.warc.gz" "$(node -e 'console.log(require(process.argv[1]).length)' "$work/expected.json")" 1) || die "warc check"
echo "integration: OK: $hexo_line; $warc_line"
