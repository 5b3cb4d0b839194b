# Sourced by the benchmark scripts: BENCHMARKS.md is written a section at a
# time (the server, Lambda, the growth curves), each by its own script, which
# may also run alone.

# replace_section HEADING FILE: in BENCHMARKS.md, the section that begins with
# the line HEADING, up to the next "## " heading, becomes FILE (which begins
# with that heading); without such a section, FILE is appended.
replace_section() {
    [ -f BENCHMARKS.md ] || printf '# Benchmarks\n\n' >BENCHMARKS.md
    awk -v heading="$1" -v file="$2" '
        function insert(line) { while ((getline line < file) > 0) print line; found = 1 }
        $0 == heading { insert(); skipping = 1; next }
        skipping && /^## / { skipping = 0; print "" }
        !skipping { print }
        END { if (!found) insert() }' BENCHMARKS.md >BENCHMARKS.md.new
    mv BENCHMARKS.md.new BENCHMARKS.md
}
