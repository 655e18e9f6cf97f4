/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit_ntb_msi: what differs between the kernels of the matrix. Kbuild
 * probes the target's include/linux/ntb.h and writes what it found into
 * probes.h, never comparing version numbers:
 *
 *   MSIKIT_HAVE_NTBM_MSI_FREE_IRQ	upstream's ntb_msi API has
 *					ntbm_msi_free_irq() (6.12; 7.x
 *					dropped it)
 *   MSIKIT_HAVE_NTB_MSI_PEER_ADDR	... and ntb_msi_peer_addr() (6.12)
 *
 * Only upstream.c, the ntb_msi API, differs.
 */
#ifndef _MSIKIT_NTB_MSI_COMPAT_H
#define _MSIKIT_NTB_MSI_COMPAT_H

#include "probes.h"

#endif /* _MSIKIT_NTB_MSI_COMPAT_H */
