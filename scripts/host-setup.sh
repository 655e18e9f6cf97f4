#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host prerequisites, from the host's own Debian suite only. Everything of
# the target suite (QEMU 10, dkms, kernels) lives in the cached root.
set -euo pipefail
. "$(dirname "$0")/common.sh"

need=""
command -v mmdebstrap >/dev/null || need="$need mmdebstrap"
command -v cpio >/dev/null || need="$need cpio"
command -v zstd >/dev/null || need="$need zstd"
command -v xz >/dev/null || need="$need xz-utils"
command -v mkfifo >/dev/null || need="$need coreutils"
perl -MTerm::ANSIColor -MEncode -e 1 2>/dev/null || need="$need perl"
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need="$need debian-archive-keyring"
[ -z "$need" ] && exit 0
[ "$(id -u)" = 0 ] || die "need root to install:$need"
msg "installing host packages:$need"
retry apt-get -q update >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null
