// SPDX-License-Identifier: GPL-2.0
/* this kernel cannot carry msikit_doe: see doe/Kbuild */
#include <msikit/stub.h>
