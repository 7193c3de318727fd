#!/usr/bin/env bash
# no-token-left.sh FOLDER TOKEN [KEPT_IN]: fails if TOKEN is in any file under FOLDER (the app's
# lead store, its log files, its exports), and if FOLDER holds no log file (nothing was searched).
# The sandbox portal's own database is the server's side, not the app's, and is left out, and so
# are files named KEPT_IN (a pattern): where the admin chose to keep this token.
set -euo pipefail
folder="$1" token="$2" kept_in="${3:-}"
logs="$(find "$folder" -path '*/logs/*' -type f -size +0 | wc -l)"
if [ "$logs" -eq 0 ]; then
    echo "no-token-left: no log file under $folder: the app wrote none, so nothing was searched" >&2
    exit 1
fi
excluded=(--exclude='sandbox-portal.db*')
[ -z "$kept_in" ] || excluded+=(--exclude="$kept_in")
files="$(find "$folder" -type f ! -name 'sandbox-portal.db*' ${kept_in:+! -name "$kept_in"} | wc -l)"
found="$(grep -rlaF "${excluded[@]}" -- "$token" "$folder" || true)"
if [ -n "$found" ]; then
    echo "no-token-left: the token is in:" >&2
    echo "$found" >&2
    exit 1
fi
echo "no-token-left: $files files searched ($logs log files), the token is in none${kept_in:+ (files named $kept_in left out)}"
