# Shell helpers shared by rcS and the apply scripts (sourced, not run).
# pbx.conf lives on the FAT partition mounted read-only at /cf; the image carries the defaults.
PBX_CONF=${PBX_CONF:-/cf/pbx.conf}
PBX_CONF_DEFAULT=/usr/share/pbx/pbx.conf.default

# conf_get SECTION KEY [DEFAULT]: last value of KEY in [SECTION]; ';' starts a comment (Asterisk).
conf_get() {
  v=$(awk -v sec="$1" -v key="$2" '
    function trim(s) { sub(/^[ \t\r]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
    { line = $0; sub(/;.*$/, "", line); line = trim(line) }
    line == "" { next }
    substr(line, 1, 1) == "[" { s = line; sub(/^\[/, "", s); sub(/\].*$/, "", s); insec = (trim(s) == sec); next }
    insec {
      i = index(line, "="); if (i == 0) next
      k = trim(substr(line, 1, i - 1)); val = substr(line, i + 1); sub(/^>/, "", val)
      if (k == key) found = trim(val)
    }
    END { print found }' "$PBX_CONF" 2>/dev/null)
  [ -n "$v" ] && echo "$v" || echo "$3"
}

# The LAN interface: pbx.conf lan_interface, else the first Ethernet-like interface.
lan_interface() {
  i=$(conf_get system lan_interface)
  if [ -z "$i" ]; then
    for d in /sys/class/net/*; do
      n=${d##*/}
      [ "$n" = lo ] && continue
      [ -e "$d/device" ] || continue
      i=$n; break
    done
  fi
  echo "${i:-eth0}"
}

kmsg() { echo "$*" > /dev/kmsg 2>/dev/null; }

# conf_has_keys SECTION: true when [SECTION] sets at least one key (comments and blanks aside).
conf_has_keys() {
  awk -v sec="$1" '
    { line = $0; sub(/;.*$/, "", line); gsub(/^[ \t\r]+|[ \t\r]+$/, "", line) }
    line == "" { next }
    substr(line, 1, 1) == "[" { s = line; sub(/^\[/, "", s); sub(/\].*$/, "", s); gsub(/^[ \t]+|[ \t]+$/, "", s); insec = (s == sec); next }
    insec && index(line, "=") > 0 { found = 1; exit }
    END { exit found ? 0 : 1 }' "$PBX_CONF" 2>/dev/null
}
