#!/bin/sh
# Instructions per text of the classifier: cachegrind counts what
# BenchmarkClassify/rules=1000 executes in the classifier's files at two
# iteration counts; the difference divided by the difference of texts is
# the cost of one text, free of set-up and of the machine's noise.
#
#   go test -c -o /tmp/cls.test ./classifier/
#   docs/tools/instructions-per-text.sh /tmp/cls.test [TREE]
#
# TREE is the source tree the binary was built from (default: this one);
# cachegrind names the source files by their full paths. Needs valgrind.
set -eu
bin=$1
tree=$(cd "${2:-$(dirname "$0")/../..}" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$tree/classifier"
for k in 1000 3000; do
	valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$out/cg.$k" "$bin" \
		-test.run '^$' -test.bench '^BenchmarkClassify$/rules=1000' -test.benchtime "${k}x" -test.cpu 1 >/dev/null 2>&1
done
sum() {
	cg_annotate --show-percs=no --threshold=0 "$out/cg.$1" 2>/dev/null |
		grep -E "^ +[0-9,]+ +$tree/classifier/[a-z_]+\.go:" | grep -v '_test\.go:' |
		awk '{gsub(",", "", $1); s += $1} END {print s}'
}
a=$(sum 1000)
b=$(sum 3000)
echo "$bin: $(( (b - a) / 2000 )) instructions per text"
