#!/bin/sh
# Adds Billing Manager to this user's applications menu and makes it open billing-manager:// links.
# Run it from the built folder (it sits beside the billing-manager executable):
#   ./install-desktop-entry.sh            install for this user (no root needed)
#   ./install-desktop-entry.sh --remove   take it out again
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps="$data/applications"
icons="$data/icons/hicolor/scalable/apps"
entry="$apps/billing-manager.desktop"
resources="$here/_internal/desktop_app/resources"

if [ "${1:-}" = "--remove" ]; then
    rm -f "$entry" "$icons/billing-manager.svg"
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
    echo "Billing Manager removed from the applications menu."
    exit 0
fi

[ -x "$here/billing-manager" ] || { echo "install-desktop-entry.sh: no billing-manager beside this script" >&2; exit 1; }
mkdir -p "$apps" "$icons"
# Exec gets the executable's full path, quoted and escaped as the Desktop Entry spec asks; %u is the link.
template="$resources/billing-manager.desktop"
exe=$(printf '%s' "$here/billing-manager" | sed -e 's/\\/\\\\\\\\/g' -e 's/["`$]/\\\\&/g')
{ sed -n '1p' "$template"; printf 'Exec="%s" %%u\n' "$exe"; sed -e '1d' -e '/^Exec=/d' "$template"; } > "$entry.tmp"
mv "$entry.tmp" "$entry"
cp "$resources/app.svg" "$icons/billing-manager.svg"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
command -v xdg-mime >/dev/null 2>&1 && xdg-mime default billing-manager.desktop x-scheme-handler/billing-manager || true
echo "Billing Manager is in the applications menu and opens billing-manager:// links."
