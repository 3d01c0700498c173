#!/usr/bin/env bash
# Installs the third-party clients of the compatibility suite (`npm run test:compat`) when they
# are missing: kcat and kafka-python 2.0.2 with the codec modules it uses for snappy, lz4 and zstd,
# all from Debian's packages. Idempotent: when all are present it installs nothing. Runs apt-get directly as root, through sudo otherwise.
set -euo pipefail

# kafka-python 2.0.2 does not import on Python >= 3.12; Debian's package runs on /usr/bin/python3.
PYTHON=/usr/bin/python3

missing=()
if command -v kcat >/dev/null 2>&1; then
  echo "compat-setup: kcat present: $(command -v kcat)"
else
  missing+=(kcat)
fi
if [ -x "$PYTHON" ] && "$PYTHON" -c 'import kafka' >/dev/null 2>&1; then
  echo "compat-setup: kafka-python present: $("$PYTHON" -c 'import kafka; print(kafka.__version__)') ($PYTHON)"
else
  missing+=(python3-kafka)
fi

for mod in snappy:python3-snappy lz4:python3-lz4 zstandard:python3-zstandard; do
  if [ -x "$PYTHON" ] && "$PYTHON" -c "import ${mod%%:*}" >/dev/null 2>&1; then
    echo "compat-setup: python module ${mod%%:*} present"
  else
    missing+=("${mod##*:}")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "compat-setup: nothing to install"
  exit 0
fi

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo "$@"
  fi
}
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "compat-setup: missing ${missing[*]}, and not root and no sudo to install them with apt-get" >&2
  exit 1
fi

echo "compat-setup: installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update
as_root apt-get install -y "${missing[@]}"
echo "compat-setup: installed kcat $(kcat -V 2>&1 | sed -n 's/^Version \([^ ]*\).*/\1/p') and kafka-python $("$PYTHON" -c 'import kafka; print(kafka.__version__)')"
