#!/bin/sh
# browser.sh: the browser view and CORS in headless Chromium (browser.py does the work: DOM,
# screenshot, preview PNGs decoded by Pillow, hostile metadata, cross-origin fetches).
# Usage: browser.sh ZARRD ZARRD_CLI
set -u
. "$(dirname "$0")/web_lib.sh"
need chromium /usr/bin/python3
/usr/bin/python3 -c 'import numpy, PIL' 2>/dev/null || {
    echo "python3-numpy / python3-pil not installed, skipping"
    exit 77
}
/usr/bin/python3 "$(dirname "$0")/browser.py" "$1" "$2" "$tmp" || fail "browser"
