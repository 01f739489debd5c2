#!/bin/sh
# rc.conf evaluation: "rcjail -R TREE vars" as a whole process (the built
# binary) against dash sourcing the same chain (the text of rcconf.Driver),
# for generated trees of 10, 100, 1000 and 5000 jails (rcconf/rcconftest).
# dash runs in a private mount namespace with the tree's etc bind-mounted on
# /etc, so both shells see the same paths. The same hyperfine run also times
# an empty Go program built the same way (bench/rcconf/empty): go-empty/dash
# is the process-start floor under rcjail/dash. Times are hyperfine's
# medians (on a shared machine a few slow runs move the mean). Peak RSS
# comes from GNU time. Needs root (unshare, mount).
#
# Environment: RCCONF_BENCH_SIZES (default "10 100 1000 5000");
# RCCONF_BENCH_BASE, a git revision: rcjail built from it is timed in the
# same hyperfine run too (columns "base ms" and "rcjail/base"), so that a
# change is measured against the old binary under the same noise.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "rcconf.bench.sh: needs root for the mount namespace dash runs in; skipped"
	exit 0
fi
for tool in dash hyperfine jq unshare /usr/bin/time; do
	command -v "$tool" >/dev/null 2>&1 || { echo "rcconf.bench.sh: $tool not found" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/rcconf-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# Built as make build builds it: static (CGO_ENABLED=0), no dynamic loader at start.
CGO_ENABLED=0 go build -trimpath -o "$work/rcjail" ./cmd/rcjail
CGO_ENABLED=0 go build -trimpath -o "$work/go-empty" ./bench/rcconf/empty
go build -o "$work/gen" ./bench/rcconf/gen
base=${RCCONF_BENCH_BASE:-}
if [ -n "$base" ]; then
	mkdir "$work/base-src"
	git archive "$base" | tar -x -C "$work/base-src"
	(cd "$work/base-src" && CGO_ENABLED=0 go build -trimpath -o "$work/rcjail-base" ./cmd/rcjail)
	printf 'base: %s\n' "$(git log -1 --format='%h %s' "$base")"
fi
go run ./bench/rcconf/driver jail >"$work/driver.sh"

printf '%s\n' "rc.conf evaluation: rcjail vars vs dash sourcing the same chain ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -sr))"
printf '%-6s %9s %9s %9s %13s %11s %9s %10s %9s %11s\n' jails "dash ms" "empty ms" "rcjail ms" "go-empty/dash" "rcjail/dash" "dash MiB" "rcjail MiB" "base ms" "rcjail/base"

for n in ${RCCONF_BENCH_SIZES:-10 100 1000 5000}; do
	tree="$work/n$n"
	"$work/gen" "$tree" "$n"
	# The dynamic loader cache, so that dash (dynamically linked) starts as
	# fast with the tree on /etc as without it.
	[ -f /etc/ld.so.cache ] && cp /etc/ld.so.cache "$tree/etc/"
	case $n in
	10) runs=200 warm=20 ;;
	100) runs=60 warm=5 ;;
	1000) runs=10 warm=2 ;;
	*) runs=3 warm=1 ;;
	esac
	json="$work/hf$n.json"
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare -m sh -c '
		set -eu
		mount --bind "$1/etc" /etc
		set -- "$@" "dash $2/driver.sh" "$2/go-empty" "$2/rcjail -R $1 vars"
		if [ -n "$6" ]; then
			set -- "$@" "$2/rcjail-base -R $1 vars"
		fi
		tree=$1 work=$2 warm=$3 runs=$4 json=$5
		shift 6
		hyperfine -N --style none --warmup "$warm" --runs "$runs" --export-json "$json" "$@" >/dev/null
		/usr/bin/time -f %M -o "$work/rss-dash" dash "$work/driver.sh"
		/usr/bin/time -f %M -o "$work/rss-rcjail" "$work/rcjail" -R "$tree" vars >/dev/null
	' sh "$tree" "$work" "$warm" "$runs" "$json" "$base"
	dash_s=$(jq '.results[0].median' "$json")
	empty_s=$(jq '.results[1].median' "$json")
	rc_s=$(jq '.results[2].median' "$json")
	base_s=$(jq '.results[3].median // 0' "$json")
	dash_kb=$(tail -n 1 "$work/rss-dash")
	rc_kb=$(tail -n 1 "$work/rss-rcjail")
	awk -v n="$n" -v d="$dash_s" -v e="$empty_s" -v r="$rc_s" -v dk="$dash_kb" -v rk="$rc_kb" -v b="$base_s" 'BEGIN {
		printf "%-6d %9.2f %9.2f %9.2f %12.2fx %10.2fx %9.1f %10.1f", n, d * 1000, e * 1000, r * 1000, e / d, r / d, dk / 1024, rk / 1024
		if (b > 0) printf " %9.2f %10.2fx\n", b * 1000, r / b; else printf " %9s %11s\n", "-", "-"
	}'
	rm -rf "$tree"
done

# Live mode (no -R): "rcjail vars" with the tree on /etc, against dash
# sourcing the same chain, for the plain tree and for the same tree with one
# $(...) line a jail knob depends on (jail_web1_ip="$(cat /etc/web1.ip)"),
# which the evaluator runs itself (rcconf/exec.go).
printf '\n%s\n' "live mode (no -R): rcjail vars vs dash, plain tree and with one \$(cat ...) line"
printf '%-6s %-9s %9s %9s %11s %10s\n' jails tree "dash ms" "rcjail ms" "rcjail/dash" "rcjail MiB"
for n in ${RCCONF_BENCH_LIVE_SIZES:-10 1000}; do
	for variant in plain subst; do
		tree="$work/live$n-$variant"
		"$work/gen" "$tree" "$n"
		[ -f /etc/ld.so.cache ] && cp /etc/ld.so.cache "$tree/etc/"
		if [ "$variant" = subst ]; then
			echo 192.0.2.201 >"$tree/etc/web1.ip"
			# shellcheck disable=SC2016 # the line is shell text for the chain
			echo 'jail_web1_ip="$(cat /etc/web1.ip)"' >>"$tree/etc/rc.conf"
		fi
		case $n in
		10) runs=200 warm=20 ;;
		100) runs=60 warm=5 ;;
		*) runs=10 warm=2 ;;
		esac
		json="$work/live$n-$variant.json"
		# shellcheck disable=SC2016 # expanded by the inner sh
		unshare -m sh -c '
			set -eu
			mount --bind "$1/etc" /etc
			hyperfine -N --style none --warmup "$3" --runs "$4" --export-json "$5" "dash $2/driver.sh" "$2/rcjail vars" >/dev/null
			/usr/bin/time -f %M -o "$2/rss-live" "$2/rcjail" vars >/dev/null
		' sh "$tree" "$work" "$warm" "$runs" "$json"
		dash_s=$(jq '.results[0].median' "$json")
		rc_s=$(jq '.results[1].median' "$json")
		rc_kb=$(tail -n 1 "$work/rss-live")
		awk -v n="$n" -v t="$variant" -v d="$dash_s" -v r="$rc_s" -v rk="$rc_kb" 'BEGIN {
			printf "%-6d %-9s %9.2f %9.2f %10.2fx %10.1f\n", n, t, d * 1000, r * 1000, r / d, rk / 1024
		}'
		rm -rf "$tree"
	done
done
echo "rcjail/dash = rcjail time / dash time (lower is better); go-empty/dash = an empty static Go program's time / dash time, the floor under rcjail/dash"
echo "times are hyperfine medians; rcjail/base = rcjail time / the RCCONF_BENCH_BASE build's time in the same run"
echo "targets: rcjail/dash <= 0.5x at 1000 jails (-R and live, with or without the \$(...) line), <= 1.5x at 10; rcjail <= 64 MiB at 5000"
