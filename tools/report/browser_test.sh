#!/bin/bash
# A real browser opens the HTML report: headless Chromium (Debian package
# chromium, which tools/setup installs) loads DIR/index.html from disk,
# its DOM holds every graph and every mark the file has (nothing cut off
# by a parse error), the page logs no console errors, and its screenshot
# is a PNG of the page with content on it.
#
# Where Chromium is missing the test says so and passes (tag "browser":
# `bazel test --test_tag_filters=-browser //...` leaves it out).
set -euo pipefail
tcplab="$1"
scn="$2"
chromium="$(command -v chromium || true)"
if [[ -z "$chromium" ]]; then
  echo "SKIP: chromium is not installed (Debian package chromium; tools/setup installs it)"
  exit 0
fi
out="${TEST_TMPDIR:-$(mktemp -d)}"
export HOME="$out/home"  # Chromium writes its profile there
mkdir -p "$HOME"

"$tcplab" run "$scn" --report "$out/report" > "$out/run.txt"
page="file://$out/report/index.html"
flags=(--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars
       --user-data-dir="$out/profile" --enable-logging=stderr --v=0)

timeout 120 "$chromium" "${flags[@]}" --dump-dom "$page" > "$out/dom.html" 2> "$out/dom.err"
timeout 120 "$chromium" "${flags[@]}" --window-size=1200,3000 --screenshot="$out/shot.png" \
  "$page" > /dev/null 2> "$out/shot.err"

python3 - "$out" <<'PY'
import re, struct, sys
out = sys.argv[1]
html = open(f"{out}/report/index.html").read()
dom = open(f"{out}/dom.html").read()
def count(text, cls):
    return len(re.findall(r'class="%s"' % cls, text))
for cls in ("graph", "seg", "rexmit", "drop", "expectation"):
    assert count(dom, cls) == count(html, cls), (cls, count(dom, cls), count(html, cls))
assert count(dom, "seg") > 100, count(dom, "seg")
assert dom.count("<svg") == html.count("<svg") >= 1
errors = [l for l in open(f"{out}/dom.err").read().splitlines() + open(f"{out}/shot.err").read().splitlines()
          if "CONSOLE" in l or "Uncaught" in l]
assert not errors, errors
png = open(f"{out}/shot.png", "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", png[16:24])
assert (width, height) == (1200, 3000), (width, height)
# A blank page compresses to a few KB; the report's text and graphs do not.
assert len(png) > 100_000, len(png)
print("PASS: chromium rendered the report:", count(dom, "seg"), "segment marks,",
      count(dom, "graph"), "graphs, screenshot", len(png), "bytes")
PY
