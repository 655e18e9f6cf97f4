// SPDX-License-Identifier: GPL-2.0
/* this kernel cannot carry msikit_ntb_msi: see ntb-msi/Kbuild */
#include <msikit/stub.h>
