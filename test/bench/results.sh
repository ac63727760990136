# shellcheck shell=bash
# results.sh: source it. write_section NAME TEXT replaces the section that
# NAME (a benchmark script's name) wrote into test/bench/RESULTS.md last
# time, or appends it, leaving the other sections as they are. TEXT must
# not hold the marker lines: write_section adds them.
write_section() {
	local name=$1 text=$2 res tmp
	res="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/RESULTS.md"
	tmp=$(mktemp)
	touch "$res"
	S="<!-- $name: written by test/bench/$name, replaced on each full run -->
$text
<!-- $name end -->" N="$name" awk '
		index($0, "<!-- " ENVIRON["N"] ": ") == 1 { skip = 1; print ENVIRON["S"]; done = 1; next }
		skip && $0 == "<!-- " ENVIRON["N"] " end -->" { skip = 0; next }
		!skip { print }
		END { if (!done) printf "\n%s\n", ENVIRON["S"] }
	' "$res" >"$tmp" && cp "$tmp" "$res"
	rm -f "$tmp"
}
