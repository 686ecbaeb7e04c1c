#!/usr/bin/env bash
# Install Debian's chromium for the report browser test when it is missing.
# Needs root (CI and the project machines run as root); elsewhere it says so and
# the browser test skips with that reason.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure_chromium: chromium missing and apt-get unavailable (not root?): the browser test will skip" >&2
  exit 0
fi
echo "ensure_chromium: installing Debian's chromium for the report browser test" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null \
  || echo "ensure_chromium: apt-get install chromium failed: the browser test will skip" >&2
exit 0
