/* SPDX-License-Identifier: GPL-2.0 */
/* msikit_doe_swmb: what the software DOE mailbox offers other test modules. */
#ifndef _MSIKIT_DOE_SWMB_H
#define _MSIKIT_DOE_SWMB_H

#include <linux/types.h>

struct device;

u64 msikit_swmb_ready_ns(struct device *dev);

#endif /* _MSIKIT_DOE_SWMB_H */
