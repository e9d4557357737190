#!/usr/bin/env bash
# Installs the Debian packages the microVM tier needs on the host, only those missing (idempotent).
#   qemu-system-x86   the VMM (`qemu-system-x86_64 -M microvm`)
#   erofs-utils       mkfs.erofs for the read-only root image
#   busybox-static    the userland of the small default root image
#   kmod              depmod, to index the guest kernel's modules
#   cpio              packs the tiny initramfs that holds the Rust init
#   librust-libc-dev  the only crate guest-init uses, from Debian's registry (cargo source replacement)
#   gcc, libc6-dev    linker and static glibc for the `+crt-static` init binary
#   debootstrap       only for the optional `build-artifacts.sh --full` image
# Usage: install-deps.sh [--full]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
pkgs=(qemu-system-x86 erofs-utils busybox-static kmod cpio librust-libc-dev gcc libc6-dev)
for arg in "$@"; do
  case "$arg" in
    --full) pkgs+=(debootstrap) ;;
    *) echo "install-deps: unknown option $arg (known: --full)" >&2; exit 2 ;;
  esac
done
"$repo/scripts/ensure-apt" "${pkgs[@]}"
