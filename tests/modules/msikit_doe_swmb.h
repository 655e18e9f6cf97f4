/* SPDX-License-Identifier: GPL-2.0 */
/* msikit_doe_swmb: what the software DOE mailbox offers other test modules. */
#ifndef _MSIKIT_DOE_SWMB_H
#define _MSIKIT_DOE_SWMB_H

#include <linux/types.h>

struct device;

u64 msikit_swmb_ready_ns(struct device *dev);
u64 msikit_swmb_late_ns(struct device *dev);
bool msikit_swmb_punctual(struct device *dev);
int msikit_swmb_reg_read(struct device *dev, unsigned int reg, u32 *val);
int msikit_swmb_reg_write(struct device *dev, unsigned int reg, u32 val);

#endif /* _MSIKIT_DOE_SWMB_H */
