// SPDX-License-Identifier: GPL-2.0
/* this kernel cannot carry msikit_epf_db: see epf-doorbell/Kbuild */
#include <msikit/stub.h>
