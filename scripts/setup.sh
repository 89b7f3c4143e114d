#!/usr/bin/env bash
# Sets up ankigen on a fresh Debian machine: system packages (as root), a virtualenv in .venv,
# and the package with its test extra. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
python3 -c 'import ensurepip' 2>/dev/null || apt_packages+=(python3-venv)
# The PDF needs a CJK font; ankigen refuses to print empty boxes without one.
fc-list 2>/dev/null | grep -q "Noto Serif CJK" || apt_packages+=(fonts-noto-cjk fontconfig)
# Emoji print in colour with it; without, each is a box and a warning (O003).
fc-list 2>/dev/null | grep -q "Noto Color Emoji" || apt_packages+=(fonts-noto-color-emoji fontconfig)
# The tests render every card as Anki's reviewer shows it, in Debian's Chromium.
command -v chromium >/dev/null || apt_packages+=(chromium)
if ((${#apt_packages[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  else
    echo "setup: please install these Debian packages first: ${apt_packages[*]}" >&2
    exit 1
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# The tests' PyTorch oracle, as the CPU build (190 MB) from PyTorch's own index: the public
# index would bring the CUDA build and several GB of GPU libraries. Where that index cannot be
# reached, the usual one (and any local wheel it is pointed to) is used.
.venv/bin/python -m pip install -q torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
  --timeout 15 --retries 1 2>/dev/null || .venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e '.[test]'
# An editable install leaves ankigen's own modules without bytecode, and where
# PYTHONDONTWRITEBYTECODE is set (CI images, this project's machines) every run compiled them
# again: about 0.2 s of each build's start.
.venv/bin/python -m compileall -q ankigen >/dev/null
