// SPDX-License-Identifier: GPL-2.0
/* this kernel cannot carry msikit_msi: see msi-lib/Kbuild */
#include <msikit/stub.h>
