#!/usr/bin/env bash
# Installs dermacam as the Raspberry Pi's console app (docs/RASPBERRY-PI.md), from the built
# checkout this script is in (npm ci && npm run build first). Run as root; running it again
# changes nothing unless the checkout changed.
#
#   scripts/install-pi.sh                      install or update, and enable dermacam.service
#   scripts/install-pi.sh --uninstall          remove the service and the app; keep data and config
#   scripts/install-pi.sh --uninstall --purge  also delete /var/lib/dermacam (every capture!),
#                                              /etc/dermacam and the dermacam user
#   --root <dir>                               act on the system image under <dir> instead of this
#                                              machine: nothing outside <dir> is touched (tests)
#
# What it puts where:
#   /opt/dermacam/                  the app: package.json, dist/, models/, kernels/kernels.wasm,
#                                   docs/, and the production node_modules (no dev dependencies)
#   /usr/local/bin/dermacam         a link to /opt/dermacam/dist/cli.js
#   /etc/systemd/system/            dermacam.service and any other unit in deploy/ (a dermacam*
#                                   unit of an earlier version that deploy/ lacks is removed)
#   /etc/sysusers.d/dermacam.conf   the dermacam system user (group video); systemd-sysusers makes it
#   /etc/modules-load.d/dermacam.conf   loads videodev at boot (see the file)
#   /etc/dermacam/pacs.json         PACS settings with no destinations, only if there is none yet
#   /var/lib/dermacam/              the data folder, 0700, the dermacam user's; never replaced
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT=""
MODE=install
PURGE=no
SERVICE=dermacam.service
APP_USER=dermacam

die() {
  echo "install-pi.sh: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --root)
      [ $# -ge 2 ] && [ -n "$2" ] || die "--root needs a folder."
      ROOT="$(cd "$2" 2>/dev/null && pwd)" || die "--root $2 is not a folder."
      [ "$ROOT" != / ] || ROOT=""
      shift 2
      ;;
    --uninstall) MODE=uninstall; shift ;;
    --purge) PURGE=yes; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (--help lists them)." ;;
  esac
done
[ "$PURGE" = no ] || [ "$MODE" = uninstall ] || die "--purge goes with --uninstall."
[ "$(id -u)" -eq 0 ] || die "run it as root (sudo $0)."

# Where systemd runs this machine (not an image under --root): then units are reloaded, and
# the service is stopped on --uninstall.
systemd_running() { [ -z "$ROOT" ] && [ -d /run/systemd/system ]; }
# systemctl acting on unit files only: on the image under --root, or here.
unit_files() { systemctl ${ROOT:+--root="$ROOT"} "$@"; }

say() { echo "$*"; }

# Installs a file (mode, owner) unless the same bytes are already there with that mode and owner;
# WROTE says which. (Never called as a condition: bash ignores set -e inside those.)
WROTE=no
put_file() {
  local from="$1" to="$2" mode="$3" owner="${4:-0:0}"
  WROTE=no
  if [ -f "$to" ] && [ ! -L "$to" ] && cmp -s "$from" "$to" && [ "$(stat -c '%a %u:%g' "$to")" = "$mode $owner" ]; then
    return 0
  fi
  install -D -m "$mode" -o "${owner%:*}" -g "${owner#*:}" "$from" "$to"
  WROTE=yes
  say "wrote ${to#"$ROOT"}"
}

# A folder with this mode and owner, made if missing; its contents are left alone.
put_folder() {
  local dir="$1" mode="$2" owner="$3"
  if [ -d "$dir" ] && [ ! -L "$dir" ]; then
    [ "$(stat -c '%a %u:%g' "$dir")" = "$mode $owner" ] && return 0
    chmod "$mode" "$dir"
    chown "$owner" "$dir"
    say "set ${dir#"$ROOT"} to $mode, owner $owner"
  else
    install -d -m "$mode" -o "${owner%:*}" -g "${owner#*:}" "$dir"
    say "made ${dir#"$ROOT"}"
  fi
}

# The unit files in deploy/ (dermacam.service, and the nightly backup's service and timer when present).
deploy_units() {
  local unit
  for unit in "$SOURCE"/deploy/*.service "$SOURCE"/deploy/*.timer; do
    [ ! -f "$unit" ] || basename "$unit"
  done
}

# The dermacam units installed on the machine: deploy/'s, and any an earlier version had that this one has not.
installed_units() {
  local unit
  for unit in "$ROOT"/etc/systemd/system/dermacam*.service "$ROOT"/etc/systemd/system/dermacam*.timer; do
    [ ! -f "$unit" ] || basename "$unit"
  done
}

# Stops and disables a unit, and removes its file.
remove_unit() {
  local unit="$1"
  if systemd_running; then
    # a unit file systemd has not loaded (installed but never reloaded) is still removed
    systemctl disable -q --now "$unit" || say "could not stop $unit; its file is removed anyway"
  else
    unit_files disable -q "$unit"
  fi
  rm -f "$ROOT/etc/systemd/system/$unit"
}

# What the app is made of, relative to the checkout, one a line: the files that run, and the
# production dependencies (npm lists the installed ones, optional ones included, as absolute
# paths; a package inside another's folder comes with that folder).
app_entries() {
  local entry listed
  for entry in package.json package-lock.json dist models kernels/kernels.wasm docs README.md; do
    [ ! -e "$SOURCE/$entry" ] || echo "$entry"
  done
  listed="$(cd "$SOURCE" && npm ls --omit=dev --all --parseable 2>/dev/null)" || true
  printf '%s\n' "$listed" | awk -v prefix="$SOURCE/node_modules/" 'index($0, prefix) == 1 { print substr($0, length(prefix) - length("node_modules/") + 1) }' |
    LC_ALL=C sort | awk '{
      # left out when a folder above it (node_modules/a for node_modules/a/node_modules/b) is listed
      n = split($0, parts, "/node_modules/"); above = parts[1]; inside = 0
      for (i = 2; i <= n && !inside; i++) { if (above in listed) inside = 1; above = above "/node_modules/" parts[i] }
      if (!inside) { listed[$0] = 1; print }
    }' |
    while IFS= read -r entry; do [ ! -e "$SOURCE/$entry" ] || echo "$entry"; done
}

# Each file and link under the given paths of a folder, with its size, time, mode and link
# target, as rsync's quick check compares them (cp -a keeps times): equal lists, same app.
file_list() {
  local base="$1"
  shift
  (cd "$base" && find "$@" ! -type d -printf '%p %y %s %T@ %m %l\n' | sed 's#^\./##' | LC_ALL=C sort)
}

install_app() {
  local target="$ROOT/opt/dermacam" stage="$ROOT/opt/.dermacam.new" entry
  local -a entries
  [ ! -e "$stage" ] || rm -rf "$stage" # left by an interrupted run
  mapfile -t entries < <(app_entries)
  # a here-string, not a pipe: grep -q stops at the first match, and under pipefail the writer's SIGPIPE would fail the test
  grep -q '^node_modules/' <<<"$(printf '%s\n' "${entries[@]}")" || die "npm ls found no production dependencies in $SOURCE; run npm ci there."
  if [ -d "$target" ] && [ "$(file_list "$SOURCE" "${entries[@]}")" = "$(file_list "$target" .)" ] &&
    [ -z "$(find "$target" \! -user 0 -print -quit)" ]; then
    say "/opt/dermacam is up to date"
    return
  fi
  mkdir -p "$stage"
  for entry in "${entries[@]}"; do (cd "$SOURCE" && cp -a --parents "$entry" "$stage/"); done
  chown -R 0:0 "$stage"
  chmod 755 "$stage"
  local was_there=no
  [ ! -e "$target" ] || was_there=yes
  rm -rf "$ROOT/opt/.dermacam.old"
  [ "$was_there" = no ] || mv "$target" "$ROOT/opt/.dermacam.old"
  mv "$stage" "$target"
  rm -rf "$ROOT/opt/.dermacam.old"
  say "installed the app in /opt/dermacam"
  if [ "$was_there" = yes ] && systemd_running && systemctl -q is-active "$SERVICE"; then
    say "the app on the screen is the old one: restart it now with systemctl restart $SERVICE (it ends the operator's session); left running, it could stop when it next loads a part of itself that the update replaced"
  fi
}

# Whether the dermacam user exists and is in the video group.
user_ready() {
  grep -q "^$APP_USER:" "$ROOT/etc/passwd" 2>/dev/null &&
    awk -F: -v name="$APP_USER" '$1 == "video" { n = split($4, members, ","); for (i = 1; i <= n; i++) if (members[i] == name) found = 1 } END { exit !found }' "$ROOT/etc/group"
}

# The dermacam user's uid:gid, as the image's passwd file has it.
app_owner() {
  local uid gid
  uid="$(awk -F: -v name="$APP_USER" '$1 == name { print $3 }' "$ROOT/etc/passwd")"
  gid="$(awk -F: -v name="$APP_USER" '$1 == name { print $4 }' "$ROOT/etc/passwd")"
  [ -n "$uid" ] && [ -n "$gid" ] || die "systemd-sysusers did not create the $APP_USER user in $ROOT/etc/passwd."
  echo "$uid:$gid"
}

install_all() {
  [ -f "$SOURCE/dist/cli.js" ] || die "there is no build in $SOURCE/dist: run npm ci && npm run build there first."
  [ -d "$SOURCE/node_modules" ] || die "there is no node_modules in $SOURCE: run npm ci there first."
  command -v systemd-sysusers >/dev/null && command -v systemctl >/dev/null ||
    die "this needs systemd (systemd-sysusers and systemctl), as Raspberry Pi OS has."
  command -v npm >/dev/null || die "npm is not on root's PATH; it lists the production dependencies to install."
  if [ -z "$ROOT" ]; then
    # the unit runs /usr/bin/node: where NodeSource's (and Debian's) package puts it
    [ -x /usr/bin/node ] || die "the service runs /usr/bin/node, which is missing: install Node.js 22 from NodeSource (docs/RASPBERRY-PI.md)."
    local major
    major="$(/usr/bin/node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || major=unknown
    [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -ge 20 ] || die "/usr/bin/node is Node.js $major; dermacam needs 20 or newer (22 LTS on a Pi)."
  fi

  put_file "$SOURCE/deploy/dermacam.sysusers" "$ROOT/etc/sysusers.d/dermacam.conf" 644
  # systemd-sysusers makes the user and adds it to video; it runs only when one is missing, as
  # even a run with nothing to do touches /etc
  if ! user_ready; then systemd-sysusers ${ROOT:+--root="$ROOT"} dermacam.conf; fi
  local owner
  owner="$(app_owner)"
  put_folder "$ROOT/var/lib/dermacam" 700 "$owner"
  put_folder "$ROOT/etc/dermacam" 755 0:0
  # where the nightly backup's USB stick is mounted (an fstab line with nofail: docs/RASPBERRY-PI.md);
  # made only when missing: once the stick is mounted there, its top folder is the app user's
  if [ ! -e "$ROOT/media/dermacam-backup" ]; then
    install -d -m 755 "$ROOT/media/dermacam-backup"
    say "made /media/dermacam-backup"
  fi
  # the settings are the technician's once written: never replaced. 0600 and the app user's, so
  # that a password may go in it (the app refuses a secret that others can read)
  if [ ! -e "$ROOT/etc/dermacam/pacs.json" ]; then
    put_file "$SOURCE/deploy/pacs.json" "$ROOT/etc/dermacam/pacs.json" 600 "$owner"
  fi
  put_file "$SOURCE/deploy/dermacam-modules.conf" "$ROOT/etc/modules-load.d/dermacam.conf" 644

  install_app
  if [ "$(readlink "$ROOT/usr/local/bin/dermacam" 2>/dev/null)" != /opt/dermacam/dist/cli.js ]; then
    mkdir -p "$ROOT/usr/local/bin"
    ln -sfn /opt/dermacam/dist/cli.js "$ROOT/usr/local/bin/dermacam"
    say "linked /usr/local/bin/dermacam"
  fi

  local unit changed=no
  for unit in $(deploy_units); do
    put_file "$SOURCE/deploy/$unit" "$ROOT/etc/systemd/system/$unit" 644
    [ "$WROTE" = no ] || changed=yes
  done
  # a unit this version no longer has would go on running the old way
  local shipped=" $(deploy_units | tr '\n' ' ') "
  for unit in $(installed_units); do
    case "$shipped" in
      *" $unit "*) ;;
      *)
        remove_unit "$unit"
        say "removed $unit, which this version no longer has"
        changed=yes
        ;;
    esac
  done
  if [ "$changed" = yes ] && systemd_running; then systemctl daemon-reload; fi
  # enable: the symlinks that start the service at boot (and the timers); only what is not enabled yet
  for unit in $(deploy_units); do
    case "$unit" in
      "$SERVICE" | *.timer)
        if ! unit_files -q is-enabled "$unit" 2>/dev/null; then
          unit_files -q enable "$unit"
          say "enabled $unit"
        fi
        ;;
    esac
  done
  if [ -z "$ROOT" ] && ! systemctl -q is-active "$SERVICE" 2>/dev/null; then
    say "dermacam starts on the screen at the next boot (or now: systemctl start $SERVICE, which takes over tty1)."
  fi
}

uninstall_all() {
  local unit
  for unit in $(installed_units); do
    remove_unit "$unit"
    say "removed $unit"
  done
  if systemd_running; then
    systemctl daemon-reload
    # the console login gets tty1 back
    systemctl start getty@tty1.service || true
  fi
  if [ -e "$ROOT/opt/dermacam" ]; then
    rm -rf "$ROOT/opt/dermacam" "$ROOT/opt/.dermacam.new" "$ROOT/opt/.dermacam.old"
    say "removed /opt/dermacam"
  fi
  if [ "$(readlink "$ROOT/usr/local/bin/dermacam" 2>/dev/null)" = /opt/dermacam/dist/cli.js ]; then
    rm -f "$ROOT/usr/local/bin/dermacam"
  fi
  rm -f "$ROOT/etc/modules-load.d/dermacam.conf"
  if [ "$PURGE" = yes ]; then
    rm -rf "$ROOT/var/lib/dermacam" "$ROOT/etc/dermacam"
    say "deleted /var/lib/dermacam (the session log and every capture) and /etc/dermacam"
    rm -f "$ROOT/etc/sysusers.d/dermacam.conf"
    if grep -q "^$APP_USER:" "$ROOT/etc/passwd" 2>/dev/null; then
      userdel ${ROOT:+--prefix "$ROOT"} "$APP_USER"
      # userdel leaves the user's own group where login.defs does not say USERGROUPS_ENAB
      if grep -q "^$APP_USER:" "$ROOT/etc/group"; then groupdel ${ROOT:+--prefix "$ROOT"} "$APP_USER"; fi
      say "removed the $APP_USER user"
    fi
  elif [ -e "$ROOT/var/lib/dermacam" ]; then
    say "kept /var/lib/dermacam (the data), /etc/dermacam and the $APP_USER user; --purge deletes them"
  fi
}

if [ "$MODE" = install ]; then install_all; else uninstall_all; fi
