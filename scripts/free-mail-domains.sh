#!/usr/bin/env bash
# Writes crates/hubsync-email/src/free_mail_domains.txt, the free-mail domains Hubsync never takes
# for a company's, from a pinned release of the npm package `free-email-domains` (MIT): HubSpot's
# list of the free email domains its forms block, with disposable-mail domains and the package's
# own additions. To update, set the version and its integrity (`npm view free-email-domains@X
# dist.integrity`), run this, and review the diff.
set -euo pipefail
HUBSYNC_LOG_TAG="free-mail-domains"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hubsync_env
require_tools npm node

package="free-email-domains"
version="1.12.6"
integrity="sha512-xMhrsOFOamJTx5URT+Zej83eVyoHLntZCNwXiZXkW6tYSF2Y6eVZLAOZ1u6jqFeLXRu3yJgzr3R29ChLIvt4LA=="
out="$HUBSYNC_ROOT/crates/hubsync-email/src/free_mail_domains.txt"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log "fetching $package@$version"
(cd "$work" && npm pack "$package@$version" --json --silent >pack.json) || die "npm pack failed"
got="$(node -e 'console.log(require(process.argv[1])[0].integrity)' "$work/pack.json")"
[ "$got" = "$integrity" ] || die "$package@$version has integrity $got, not the pinned $integrity"
tar -xzf "$work/$package-$version.tgz" -C "$work"
published="$(npm view "$package@$version" "time[$version]" 2>/dev/null | cut -c1-10)"
[ -n "$published" ] || die "npm did not say when $package@$version was published"

# The list is a JSON array of names; each is kept lowercased, once, in byte order (the order the
# crate's test checks), one a line.
cat >"$work/write.js" <<'JS'
const fs = require("fs");
const [dir, pkg, version, published, out] = process.argv.slice(2);
const meta = JSON.parse(fs.readFileSync(dir + "/package/package.json", "utf8"));
const domains = JSON.parse(fs.readFileSync(dir + "/package/domains.json", "utf8"));
if (!Array.isArray(domains) || domains.some(d => typeof d !== "string")) throw new Error("domains.json is not a list of names");
const names = [...new Set(domains.map(d => d.trim().toLowerCase()).filter(Boolean))]
  .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const licence = fs.readFileSync(dir + "/package/LICENSE.md", "utf8").trim().split("\n").map(l => ("# " + l).trimEnd());
const header = [
  `# Free-mail domains: the npm package ${pkg} ${version} (published ${published}), ${meta.license} licence,`,
  `# ${names.length} names. HubSpot's list of the free email domains its forms block, with disposable-mail`,
  "# domains and the package's own additions. Written by scripts/free-mail-domains.sh; to update, change the",
  "# version it pins and run it. The package's licence:",
  "#",
  ...licence,
];
fs.writeFileSync(out, header.join("\n") + "\n" + names.join("\n") + "\n");
JS
node "$work/write.js" "$work" "$package" "$version" "$published" "$out"
log "wrote $(grep -vc '^#' "$out") domains to ${out#"$HUBSYNC_ROOT/"}"
