#!/usr/bin/env bash
# Installs what bindings-dotnet needs from Debian's packages when it is missing: the Mono C#
# compiler and runtime, the class libraries the tests use, and NUnit 2.6 with its console runner.
# Retries while another apt/dpkg holds the lock.
set -euo pipefail

packages=(
  mono-mcs mono-runtime
  libmono-system-net-http4.0-cil
  libmono-system-runtime-serialization4.0-cil
  libmono-system-xml-linq4.0-cil
  nunit-console libnunit-cil-dev
)

have_all() {
  command -v mcs >/dev/null && command -v mono >/dev/null && command -v nunit-console >/dev/null || return 1
  ls /usr/lib/cli/nunit.framework-*/nunit.framework.dll >/dev/null 2>&1 || return 1
  [ -e /usr/lib/mono/4.5/System.Net.Http.dll ] || return 1
  dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | grep -vq '^install ok installed$' && return 1
  return 0
}

if have_all; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

retry() {
  local tries=0
  until "$@"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ]; then
      echo "install-mono.sh: giving up after $tries attempts: $*" >&2
      return 1
    fi
    echo "install-mono.sh: '$*' failed (the dpkg lock may be busy); retrying in 10s" >&2
    sleep 10
  done
}

echo "install-mono.sh: installing ${packages[*]}" >&2
retry $SUDO apt-get update -qq
retry $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
have_all || { echo "install-mono.sh: Mono/NUnit still missing after install" >&2; exit 1; }
