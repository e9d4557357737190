#!/usr/bin/env bash
# Builds what an Airlock microVM boots, into <repo>/artifacts/microvm/ (git-ignored):
#   kernel-<release>/vmlinux      uncompressed kernel from Debian's linux-image-*-amd64 (PVH direct boot)
#   <flavour>-<hash>/             initrd.cpio (the Rust init + modules), rootfs.erofs, manifest.json
#   <flavour> -> <flavour>-<hash> the image @airlock/microvm boots by default
# Idempotent: the hash covers this script, the guest-init sources, the kernel release and the
# packages, so an unchanged input rebuilds nothing.
#   build-artifacts.sh                          small image: busybox + init (seconds to build)
#   build-artifacts.sh --full [--packages "git python3"]
#                                               Debian bookworm (debootstrap minbase) + packages
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
crate="$repo/crates/guest-init"
out_root="$repo/artifacts/microvm"

flavour=small
extra_packages="coreutils git python3"
while [ $# -gt 0 ]; do
  case "$1" in
    --full) flavour=full ;;
    --packages) extra_packages="${2:?--packages needs a list}"; shift ;;
    *) echo "build-artifacts: unknown option $1 (known: --full, --packages LIST)" >&2; exit 2 ;;
  esac
  shift
done

deps_args=()
[ "$flavour" = full ] && deps_args+=(--full)
"$here/install-deps.sh" "${deps_args[@]}"
mkdir -p "$out_root"

# --- kernel: the release Debian's linux-image-amd64 points at, unless pinned -------------------
kernel_release="${AIRLOCK_VM_KERNEL:-}"
if [ -z "$kernel_release" ]; then
  kernel_release=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -1)
  if [ -z "$kernel_release" ]; then
    apt-get update -qq >/dev/null
    kernel_release=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -1)
  fi
fi
[ -n "$kernel_release" ] || { echo "build-artifacts: cannot resolve the kernel package; set AIRLOCK_VM_KERNEL=6.1.0-NN-amd64" >&2; exit 1; }

# Modules the init loads, in this order. crc32c_generic must precede libcrc32c (erofs needs it
# and the guest has no modprobe to resolve the crypto alias). Each module costs boot time under
# TCG, so the 9P modules (host directory mounts) are a separate list the init loads only when the
# host asks for a mount: the 9P fd transport (9pnet_fd, over a socketpair the init relays to a
# virtio-serial port), the virtio transport (9pnet_virtio, QEMU's virtio-9p device for
# directHostDir grants) and the filesystem (9p, with netfs/9pnet/fscache as dependencies).
modules=(crc32c_generic virtio_mmio virtio_blk virtio_console libcrc32c erofs overlay)
modules_9p=(9pnet_fd 9pnet_virtio 9p)
# The network device, loaded only when the host gives an egress policy.
modules_net=(virtio_net)

kdir="$out_root/kernel-$kernel_release-$(echo "${modules[*]} / ${modules_9p[*]} / ${modules_net[*]}" | sha256sum | cut -c1-8)"
if [ ! -f "$kdir/.done" ]; then
  echo "build-artifacts: fetching kernel $kernel_release" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download -qq "linux-image-$kernel_release" 2>/dev/null)
  dpkg -x "$tmp"/linux-image-*.deb "$tmp/x"
  rm -rf "$kdir" && mkdir -p "$kdir/modules"
  # The package ships only the xz bzImage; its payload is the stripped ELF vmlinux, which QEMU
  # boots directly through the PVH entry (~2.3 s to init under TCG instead of ~6 s).
  bz="$tmp/x/boot/vmlinuz-$kernel_release"
  offset=$(grep -abo $'\xfd7zXZ\x00' "$bz" | head -1 | cut -d: -f1)
  tail -c +$((offset + 1)) "$bz" | xz -dc >"$kdir/vmlinux" 2>/dev/null || true
  file_magic=$(head -c 4 "$kdir/vmlinux" | od -An -tx1 | tr -d ' ')
  [ "$file_magic" = 7f454c46 ] || { echo "build-artifacts: could not extract vmlinux from $bz" >&2; exit 1; }
  cp "$tmp/x/boot/config-$kernel_release" "$kdir/config"
  depmod -b "$tmp/x" "$kernel_release"
  : >"$kdir/modules.order"
  : >"$kdir/modules-9p.order"
  : >"$kdir/modules-net.order"
  # Each list in dependency order; later lists leave out what an earlier one already loads.
  for m in "${modules[@]}" / "${modules_9p[@]}" // "${modules_net[@]}"; do
    if [ "$m" = // ]; then echo //; continue; fi
    if [ "$m" = / ]; then echo /; continue; fi
    modprobe --show-depends -d "$tmp/x" -S "$kernel_release" "$m" | awk '$1 == "insmod" { print $2 }'
  done | grep -v 'crc32c-intel' | awk '!seen[$0]++' | {
    order="$kdir/modules.order"
    while read -r ko; do
      if [ "$ko" = / ]; then order="$kdir/modules-9p.order"; continue; fi
      if [ "$ko" = // ]; then order="$kdir/modules-net.order"; continue; fi
      cp "$ko" "$kdir/modules/"
      echo "$(basename "$ko")" >>"$order"
    done
  }
  rm -rf "$tmp"
  trap - EXIT
  touch "$kdir/.done"
fi

# --- host-side forwarder QEMU runs per guest connection (egress) -------------------------------
fwd_src="$here/../native/airlock-fwd.c"
fwd="$out_root/bin/airlock-fwd-$(sha256sum "$fwd_src" | cut -c1-12)"
if [ ! -x "$fwd" ]; then
  mkdir -p "$out_root/bin"
  gcc -O2 -Wall -Werror -o "$fwd.tmp" "$fwd_src" && mv "$fwd.tmp" "$fwd"
  ln -sfn "$(basename "$fwd")" "$out_root/bin/airlock-fwd"
fi

# --- content hashes ------------------------------------------------------------------------------
# The init's own hash goes into every manifest: @airlock/microvm refuses an image whose init differs
# from the sources in this checkout (VmImageOutdatedError), so a stale image is never booted. The
# root filesystem is cached apart from the image (keyed by its recipe and packages): a new init
# rebuilds only the initramfs, in seconds, for the Debian image too.
command -v cargo >/dev/null || export PATH="$HOME/.cargo/bin:$PATH"
busybox_version=$(dpkg-query -W -f='${Version}' busybox-static)
# Keep in sync with guestInitHash() in src/artifacts.ts (same files, same order, byte-sorted).
init_hash=$(
  {
    cat "$crate/Cargo.toml" "$crate/Cargo.lock" "$crate/.cargo/config.toml"
    find "$crate/src" -type f | LC_ALL=C sort | xargs cat
  } | sha256sum | cut -c1-16
)

# build_rootfs FLAVOUR PACKAGES OUT: the read-only root, as EROFS.
build_rootfs() {
  local flavour="$1" packages="$2" out="$3" root="$3.dir"
  rm -rf "$root"
  if [ "$flavour" = small ]; then
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,run,root,home,work,var/tmp}
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list-full); do
      [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
    compress=()
  else
    debootstrap --variant=minbase --include="$(echo "$packages" | tr ' ' ',')" bookworm "$root" http://deb.debian.org/debian >&2
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    mkdir -p "$root"/{work,run,tmp}
    compress=(-zlz4hc)
  fi
  chmod 1777 "$root/tmp"
  mkfs.erofs --quiet -T 0 --all-root "${compress[@]}" "$out" "$root" >/dev/null
  rm -rf "$root"
}

rootfs_hash() { # FLAVOUR PACKAGES
  {
    declare -f build_rootfs
    echo "$1 $2"
    if [ "$1" = small ]; then echo "busybox $busybox_version"; fi
  } | sha256sum | cut -c1-16
}

# build_image FLAVOUR PACKAGES: builds (or finds) the image, points the FLAVOUR link at it, prints it.
build_image() {
  local flavour="$1" packages="$2"
  if [ "$flavour" = small ]; then packages="busybox-static $busybox_version"; fi
  local fs_hash hash dest work
  fs_hash=$(rootfs_hash "$flavour" "$packages")
  hash=$(
    {
      cat "$0"
      echo "$kernel_release $flavour $packages init $init_hash rootfs $fs_hash"
    } | sha256sum | cut -c1-16
  )
  dest="$out_root/$flavour-$hash"
  if [ ! -f "$dest/manifest.json" ]; then
    echo "build-artifacts: building $flavour image $hash (init $init_hash)" >&2
    work="$dest.tmp"
    rm -rf "$work" && mkdir -p "$work"
    trap 'rm -rf "$work"' EXIT

    # guest init (static, Debian crates only)
    command -v cargo >/dev/null || { echo "build-artifacts: cargo not found; install a Rust toolchain (1.70+)" >&2; exit 1; }
    (cd "$crate" && cargo build --quiet --release --locked --offline --target x86_64-unknown-linux-gnu)
    local init_bin="$crate/target/x86_64-unknown-linux-gnu/release/airlock-guest-init"

    # initramfs: /init + modules; the init mounts the EROFS root and switches to it
    local stage="$work/initrd"
    mkdir -p "$stage/lib/modules" "$stage/etc/airlock" "$stage/dev"
    cp "$init_bin" "$stage/init"
    local list ko
    for list in modules:modules modules-9p:modules.9p modules-net:modules.net; do
      while read -r ko; do
        cp "$kdir/modules/$ko" "$stage/lib/modules/"
        echo "/lib/modules/$ko" >>"$stage/etc/airlock/${list#*:}"
      done <"$kdir/${list%%:*}.order"
    done
    (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible -R 0:0 >"$work/initrd.cpio")
    rm -rf "$stage"

    # root filesystem, from the cache when its recipe and packages are unchanged
    local cached="$out_root/rootfs/$flavour-$fs_hash.erofs"
    if [ ! -f "$cached" ]; then
      mkdir -p "$out_root/rootfs"
      build_rootfs "$flavour" "$packages" "$cached.tmp"
      mv "$cached.tmp" "$cached"
      find "$out_root/rootfs" -maxdepth 1 -name "$flavour-*.erofs" ! -name "$(basename "$cached")" -delete
    fi
    ln "$cached" "$work/rootfs.erofs" 2>/dev/null || cp "$cached" "$work/rootfs.erofs"

    ln "$kdir/vmlinux" "$work/vmlinux" 2>/dev/null || cp "$kdir/vmlinux" "$work/vmlinux"
    cat >"$work/manifest.json" <<JSON
{
  "format": 1,
  "flavour": "$flavour",
  "hash": "$hash",
  "initHash": "$init_hash",
  "rootfsHash": "$fs_hash",
  "kernelRelease": "$kernel_release",
  "kernel": "vmlinux",
  "initrd": "initrd.cpio",
  "rootfs": "rootfs.erofs",
  "features": ["virtio-9p"],
  "packages": "$packages"
}
JSON
    rm -rf "$dest" && mv "$work" "$dest"
    trap - EXIT
  fi
  ln -sfn "$(basename "$dest")" "$out_root/$flavour"
  # Older builds of this flavour are unreachable now (running VMs keep their open files).
  find "$out_root" -maxdepth 1 -name "$flavour-*" ! -name "$(basename "$dest")" -exec rm -rf {} +
  echo "$dest"
}

build_image "$flavour" "$extra_packages"

# The other flavour, if built before, gets the new init too: only its initramfs is rebuilt when
# its root is cached. A Debian image built before root caching needs `--full` once (minutes);
# until then @airlock/microvm refuses it rather than boot an older init.
for other in small full; do
  [ "$other" = "$flavour" ] && continue
  manifest="$out_root/$other/manifest.json"
  [ -f "$manifest" ] || continue
  grep -q "\"initHash\": \"$init_hash\"" "$manifest" && continue
  other_packages=$(sed -n 's/^  "packages": "\(.*\)",\{0,1\}$/\1/p' "$manifest")
  if [ "$other" = small ] || [ -f "$out_root/rootfs/$other-$(rootfs_hash "$other" "$other_packages").erofs" ]; then
    build_image "$other" "$other_packages" >/dev/null
  else
    echo "build-artifacts: the $other image has an older init and no cached root: rebuild it with --full${other_packages:+ --packages \"$other_packages\"}" >&2
  fi
done
