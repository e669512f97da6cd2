# gst-pgsm: what the scripts of examples/launch/ share. Sourced by them
# (". common.sh"), not run.

say () { printf '%s\n' "$*"; }

# launch_setup NAME: a temporary directory $tmp (pgsm-NAME-XXXXXX), removed
# at exit together with every process whose PID the script appends to the
# array pids (stopped with SIGTERM if it still runs)
launch_setup () {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgsm-$1-XXXXXX")
  pids=()
  trap launch_cleanup EXIT
  trap 'exit 130' INT TERM
}

launch_cleanup () {
  local pid
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2> /dev/null; then
      kill -TERM "$pid" 2> /dev/null || true
      wait "$pid" 2> /dev/null || true
    fi
  done
  rm -rf "$tmp"
}

# wait_for_line FILE REGEXP SECONDS: waits until FILE has a line matching
# the extended regexp, for at most SECONDS; prints the line
wait_for_line () {
  local file=$1 regexp=$2 seconds=$3 i
  for ((i = 0; i < seconds * 10; i++)); do
    if grep -E -m1 "$regexp" "$file" 2> /dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# make_cert NAME "TEMPLATE LINES" [CA-NAME]: $tmp/NAME-key.pem and
# $tmp/NAME.pem (certtool, ECDSA, 2 days), signed by CA-NAME or self-signed
make_cert () {
  local name=$1 template=$2 ca=${3:-}
  printf '%s\nexpiration_days = 2\n' "$template" > "$tmp/$name.tmpl"
  certtool --generate-privkey --key-type=ecdsa \
    --outfile "$tmp/$name-key.pem" > /dev/null 2>&1
  if [ -z "$ca" ]; then
    certtool --generate-self-signed --load-privkey "$tmp/$name-key.pem" \
      --template "$tmp/$name.tmpl" --outfile "$tmp/$name.pem" > /dev/null 2>&1
  else
    certtool --generate-certificate --load-privkey "$tmp/$name-key.pem" \
      --load-ca-certificate "$tmp/$ca.pem" --load-ca-privkey "$tmp/$ca-key.pem" \
      --template "$tmp/$name.tmpl" --outfile "$tmp/$name.pem" > /dev/null 2>&1
  fi
}
