#!/usr/bin/env bash
# Installs Node.js and npm from Debian's packages when they are missing: the HTTP API's tests run
# OpenAI's npm client. Needs root or password-less sudo; says what to do otherwise.
set -euo pipefail
if command -v node >/dev/null && command -v npm >/dev/null; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "ensure-node: install Node.js and npm with your system's package manager" >&2
  exit 1
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  if sudo -n true 2>/dev/null; then
    sudo=sudo
  else
    echo "ensure-node: run as root, or install them first: sudo apt-get install nodejs npm" >&2
    exit 1
  fi
fi
echo "ensure-node: installing Debian's nodejs and npm ..." >&2
$sudo apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q nodejs npm >&2
