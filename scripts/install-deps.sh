#!/usr/bin/env bash
# Installs what netns-hook needs to build, test and run its demo, from Debian's
# packages. Idempotent: does nothing (not even apt-get update) when all are present.
set -euo pipefail

packages=(
  # build
  g++ make cmake pkg-config
  nlohmann-json3-dev libnl-3-dev libnl-route-3-dev libnl-nf-3-dev libiptc-dev libip6tc-dev
  libnftnl-dev libmnl-dev catch2
  # tests and demo: a real runtime, a static busybox for container root
  # filesystems, and the tools the tests use to look at what the hook did
  runc busybox-static iproute2 iptables nftables util-linux procps coreutils jq
  # the man page, the bash completion's tests and the package's checks
  # (CPack's dependency computation runs dpkg-shlibdeps, which needs file)
  scdoc bash-completion man-db lintian systemd fakeroot dpkg-dev file
  # the other runtimes the end-to-end tests run (podman brings conmon), and
  # containerd, whose ctr drives netns-hook as a CNI plugin
  crun podman containerd
  # the benchmark compares with the CNI bridge plugin and podman's netavark,
  # and draws its chart with gnuplot (scripts/bench-chart.sh)
  containernetworking-plugins netavark gnuplot-nox
  # scripts/fuzz.sh: clang and its libFuzzer/sanitizer runtimes
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
