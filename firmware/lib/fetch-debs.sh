#!/bin/sh
# mmdebstrap extract hook: downloads single packages that must not be installed into the root
# (the kernel, whose dependencies would drag initramfs-tools in, and busybox-static for the
# initramfs) into a cache directory, using the apt configuration of the build.
# usage: fetch-debs.sh OUTDIR LISTFILE PACKAGE...
# LISTFILE receives one "package version file" line per package.
set -e
out=$1; list=$2; shift 2
export APT_CONFIG="$MMDEBSTRAP_APT_CONFIG"
mkdir -p "$out"
cd "$out"
: > "$list"
for p in "$@"; do
  real=$p
  case "$p" in
    linux-image-*)
      # The flavour metapackage depends on the versioned kernel package we want.
      dep=$(apt-cache depends "$p" | awk '/Depends: linux-image-/ { print $2; exit }')
      [ -n "$dep" ] && real=$dep
      ;;
  esac
  show=$(apt-cache show --no-all-versions "$real")
  ver=$(echo "$show" | sed -n 's/^Version: //p' | head -n 1)
  file=$(echo "$show" | sed -n 's/^Filename: //p' | head -n 1)
  file=${file##*/}
  if [ ! -s "$file" ]; then
    rm -rf .dl && mkdir .dl && chmod 777 .dl
    (cd .dl && apt-get download -q "$real" >/dev/null)
    mv .dl/*.deb "$file"
    rmdir .dl
  fi
  echo "$real $ver $file" >> "$list"
done
