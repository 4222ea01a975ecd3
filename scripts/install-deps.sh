#!/usr/bin/env bash
# Installs every Debian package famlab needs. Idempotent: a second run with
# everything present costs one dpkg query and nothing else.
set -euo pipefail

# QEMU >= 10 (volatile CXL memory), the stock 6.12 kernel and libvirt 11 come
# from bookworm-backports; everything else from bookworm itself.
# libvirt: the daemon and its QEMU driver (the e2e tests start a private
# libvirtd of their own), virsh and virt-xml-validate (libvirt-clients) and
# the C API (libvirt-dev). Not libvirt-daemon-system: it brings systemd
# units, polkit and the default network, none of which famlab uses.
BACKPORTS=(qemu-system-x86 qemu-utils libvirt-daemon libvirt-daemon-driver-qemu
           libvirt-clients libvirt-dev)
PACKAGES=(build-essential cmake ninja-build pkg-config ccache clang-format
          libboost1.81-dev libboost-filesystem1.81-dev libtomlplusplus-dev
          nlohmann-json3-dev libcli11-dev libgtest-dev libkmod-dev libcap-dev
          ndctl daxctl busybox-static kmod cpio fuse3
          python3-pytest
          linux-source-6.12 flex bison bc libelf-dev libssl-dev dwarves rsync
          xz-utils zstd libxml2-utils)

need=()
for p in "${PACKAGES[@]}" "${BACKPORTS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
# qemu-system-x86 may be installed at bookworm's 7.2: that one has no volatile CXL.
if command -v qemu-system-x86_64 >/dev/null; then
  v=$(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
  [ "${v:-0}" -ge 10 ] || need+=(qemu-system-x86)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "famlab: missing packages (${need[*]}); run 'make deps' as root" >&2
  exit 2
fi

src=/etc/apt/sources.list.d/famlab-bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat >"$src" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
apt-get install -y -qq --no-install-recommends -t bookworm-backports "${BACKPORTS[@]}" >/dev/null
echo "famlab: installed ${need[*]}"
