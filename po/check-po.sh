#!/bin/sh
# Checks of the translations, run by meson test (suite i18n):
#   check-po.sh potfiles SRCROOT   every file under gst/ ext/ sip/ examples/
#                                  that marks strings (_("..." or N_("...")
#                                  is listed in po/POTFILES, and every listed
#                                  file exists
#   check-po.sh compile SRCROOT    every po/<lang>.po of LINGUAS compiles
#                                  with msgfmt --check
#   check-po.sh complete SRCROOT   every marked string has a translation
#                                  (not fuzzy, not empty) in every language
set -u

mode="$1"
root="$2"
po="$root/po"
status=0

listed () {
  grep -v '^[[:space:]]*#' "$po/POTFILES" | grep -v '^[[:space:]]*$'
}

langs () {
  grep -v '^[[:space:]]*#' "$po/LINGUAS" | tr -s ' \t' '\n\n' | grep -v '^$'
}

case "$mode" in
  potfiles)
    for f in $(listed); do
      if [ ! -f "$root/$f" ]; then
        echo "po/POTFILES lists $f, which does not exist"
        status=1
      fi
    done
    for f in $(cd "$root" && grep -rlE '\bN?_ ?\("' --include='*.c' \
        gst ext sip examples 2>/dev/null | sort); do
      if ! listed | grep -qxF "$f"; then
        echo "$f marks strings for translation but is not in po/POTFILES"
        status=1
      fi
    done
    ;;
  compile)
    for l in $(langs); do
      msgfmt --check --verbose -o /dev/null "$po/$l.po" || status=1
    done
    ;;
  complete)
    tmp=$(mktemp -d) || exit 1
    trap 'rm -rf "$tmp"' EXIT
    listed > "$tmp/files"
    xgettext --from-code=UTF-8 -k_ -kN_ -kC_:1c,2 -kNC_:1c,2 \
      -D "$root" -f "$tmp/files" -o "$tmp/ref.pot" || exit 1
    if [ ! -f "$tmp/ref.pot" ]; then
      echo "no marked strings"
      exit 0
    fi
    for l in $(langs); do
      # msgcmp counts fuzzy and empty translations as missing; its
      # "not used" warnings (strings translated ahead of their marking)
      # are shown only with a failure
      if ! msgcmp "$po/$l.po" "$tmp/ref.pot" 2> "$tmp/msgcmp.log"; then
        grep -v 'warning: this message is not used' "$tmp/msgcmp.log"
        # show the strings themselves (ref.pot is deleted on exit)
        for n in $(sed -n 's/^.*ref\.pot:\([0-9]*\): .*not defined.*$/\1/p' \
            "$tmp/msgcmp.log"); do
          sed -n "1,${n}p" "$tmp/ref.pot" | tac | sed '/^$/q' | tac
        done
        echo "po/$l.po misses the translations above: run" \
          "'ninja gst-pgsm-1.0-update-po' and translate them"
        status=1
      fi
    done
    ;;
  *)
    echo "usage: $0 potfiles|compile|complete SRCROOT" >&2
    exit 2
    ;;
esac

exit $status
