// SPDX-License-Identifier: GPL-2.0
#include <msikit/stub.h>

MSIKIT_STUB_MODULE("msikit_doe", MSIKIT_STUB_REASON);
