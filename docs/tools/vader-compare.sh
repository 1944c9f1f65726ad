#!/usr/bin/env bash
# Compares `earshot classify` with VADER (the vader-sentiment 1.1.3 port for
# Node.js, installed from npm into a temporary folder, never into the repo):
# throughput of both as whole processes on the same texts, and VADER's
# P/R/F1 of the criticism class on earshot's labelled corpus (VADER
# compound <= -0.05 counts as criticism). Needs node, npm, python3 and the
# shared tuning data in ../shared/data (read there, never copied).
# Usage: docs/tools/vader-compare.sh   (from the repository root)
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm install --silent vader-sentiment@1.1.3 >/dev/null)
cat > "$work/run.js" <<'JS'
const vader = require('vader-sentiment');
const rl = require('readline').createInterface({input: process.stdin});
const out = [];
rl.on('line', (l) => {
  let t = l, id = out.length;
  try { const o = JSON.parse(l); t = o.text; id = o.id; } catch (e) {}
  out.push(JSON.stringify({id, compound: vader.SentimentIntensityAnalyzer.polarity_scores(t).compound}));
});
rl.on('close', () => process.stdout.write(out.join('\n') + '\n'));
JS
go build -o "$work/earshot" ./cmd/earshot
data=../shared/data/vader-dev
python3 - "$data" "$work/texts.jsonl" <<'PY'
import json, sys
data, out = sys.argv[1], sys.argv[2]
rows = []
for f in ["amazonReviewSnippets_GroundTruth.txt", "movieReviewSnippets_GroundTruth.txt", "nytEditorialSnippets_GroundTruth.txt"]:
    for l in open(f"{data}/{f}", encoding="utf-8", errors="replace"):
        p = l.rstrip("\n").split("\t")
        if len(p) >= 3:
            rows.append(p[2])
with open(out, "w") as o:
    for rep in range(3):
        for i, t in enumerate(rows):
            o.write(json.dumps({"id": f"{rep}-{i}", "text": t}) + "\n")
PY
echo "texts: $(wc -l < "$work/texts.jsonl")"
for i in 1 2 3; do
  /usr/bin/time -f "earshot classify: %e s, %M KB" "$work/earshot" classify < "$work/texts.jsonl" > /dev/null
  /usr/bin/time -f "vader (node):     %e s, %M KB" node "$work/run.js" < "$work/texts.jsonl" > /dev/null
done
(cd "$work" && python3 - "$OLDPWD/classifier/testdata" <<'PY'
import json, subprocess, sys, glob, os
def vader(texts):
    inp = "\n".join(json.dumps({"id": i, "text": t}) for i, t in enumerate(texts)) + "\n"
    out = subprocess.run(["node", "run.js"], input=inp.encode(), capture_output=True).stdout.decode()
    return [json.loads(l)["compound"] for l in out.strip().split("\n")]
for path in sorted(glob.glob(sys.argv[1] + "/golden-*.tsv")):
    rows = [l.rstrip("\n").split("\t") for l in open(path, encoding="utf-8") if l.strip() and not l.startswith("#")]
    for lang in ("en", "de"):
        rs = [r for r in rows if r[0] == lang and len(r) >= 3]
        if not rs:
            continue
        pred = [c <= -0.05 for c in vader([r[2] for r in rs])]
        gold = [r[1] == "1" for r in rs]
        tp = sum(g and p for g, p in zip(gold, pred)); fp = sum(p and not g for g, p in zip(gold, pred)); fn = sum(g and not p for g, p in zip(gold, pred))
        P = tp / (tp + fp) if tp + fp else 0; R = tp / (tp + fn) if tp + fn else 0; F = 2 * P * R / (P + R) if P + R else 0
        print(f"{os.path.basename(path):22s} {lang} n={len(rs):3d}  VADER P={P:.3f} R={R:.3f} F1={F:.3f}")
PY
)
