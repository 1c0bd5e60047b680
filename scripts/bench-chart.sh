#!/usr/bin/env bash
# Draws the setup latency chart of a benchmark run: setup time (median, ms,
# log scale) against containers already on the network (1, 100, 1000), one
# line per tool, from the setup.dat that `scripts/bench.sh --out DIR` keeps.
#   scripts/bench-chart.sh DIR/results/setup.dat OUT.svg
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: scripts/bench-chart.sh SETUP.DAT OUT.svg" >&2; exit 2; }
data=$1 out=$2
command -v gnuplot >/dev/null || { echo "bench-chart: gnuplot is missing (apt-get install gnuplot-nox)" >&2; exit 1; }
columns=$(head -1 "$data" | awk -F'\t' '{print NF}')
gnuplot <<GNUPLOT
set terminal svg size 900,640 dynamic font "sans,12" background rgb "white"
set output "$out"
set title "Setting up one container (median of one run)"
set xlabel "containers already on the network"
set ylabel "setup time, ms (log scale)"
set logscale xy
set xrange [0.7:1500]
set xtics ("1" 1, "100" 100, "1000" 1000)
set grid ytics mytics
set key outside below center horizontal maxrows 4 width 2
set datafile separator "\t"
# More lines than colours: the ninth line on reuses the colours, dashed and
# with square points (gnuplot 5.4 takes no expression after dt, hence set).
set for [k=9:16] linetype k dashtype 2 pointtype 5
plot for [i=2:$columns] "$data" using 1:i with linespoints lw 2 pt (i > 9 ? 5 : 7) title columnheader(i)
GNUPLOT
echo "$out"
