#!/usr/bin/env bash
# Browser tests need Debian's Chromium (no browser can be downloaded by Playwright here).
# Install it when we can (root with apt); otherwise say so: the browser tests then skip.
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null) \
    || echo "Could not install chromium: browser tests will be skipped."
else
  echo "No /usr/bin/chromium and no root apt-get: browser tests will be skipped."
fi
