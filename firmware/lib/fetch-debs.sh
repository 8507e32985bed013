#!/bin/sh
# mmdebstrap extract hook: downloads single packages that must not be installed into the root
# (the kernel, whose dependencies would drag initramfs-tools in, and busybox-static for the
# initramfs) into a cache directory, using the apt configuration of the build.
# usage: fetch-debs.sh OUTDIR LISTFILE PACKAGE...
# @kernel-headers stands for the linux-headers package of the linux-image-* named before it.
# LISTFILE receives one "package version file" line per package.
set -e
out=$1; list=$2; shift 2
export APT_CONFIG="$MMDEBSTRAP_APT_CONFIG"
mkdir -p "$out"
cd "$out"
: > "$list"
# (sh has no local variables: this function uses pkg, show, ver, file only.)
fetch() {
  pkg=$1
  show=$(apt-cache show --no-all-versions "$pkg")
  ver=$(echo "$show" | sed -n 's/^Version: //p' | head -n 1)
  file=$(echo "$show" | sed -n 's/^Filename: //p' | head -n 1)
  file=${file##*/}
  if [ -z "$file" ]; then
    echo "fetch-debs: no package $pkg in the apt sources" >&2
    exit 1
  fi
  if [ ! -s "$file" ]; then
    rm -rf .dl && mkdir .dl && chmod 777 .dl
    (cd .dl && apt-get download -q "$pkg" >/dev/null)
    mv .dl/*.deb "$file"
    rmdir .dl
  fi
  echo "$pkg $ver $file" >> "$list"
}

kernel=
for p in "$@"; do
  real=$p
  case "$p" in
    linux-image-*)
      # The flavour metapackage depends on the versioned kernel package we want.
      dep=$(apt-cache depends "$p" | awk '/Depends: linux-image-/ { print $2; exit }')
      [ -n "$dep" ] && real=$dep
      kernel=$real
      ;;
    @kernel-headers)
      # The headers of exactly that kernel (to build DAHDI against it), with the common part and
      # kbuild (scripts/, modpost) they point to. Must come after the kernel in the arguments.
      [ -n "$kernel" ] || { echo "fetch-debs: @kernel-headers needs a linux-image-* before it" >&2; exit 1; }
      real=linux-headers-${kernel#linux-image-}
      for dep in $(apt-cache depends "$real" | awk '/Depends: (linux-headers-.*-common|linux-kbuild-)/ { print $2 }'); do
        fetch "$dep"
      done
      ;;
  esac
  fetch "$real"
done
