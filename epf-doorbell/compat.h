/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit_epf_db: what differs between the kernels of the matrix. Kbuild
 * probes the target's headers for the features and writes what it found
 * into probes.h (MSIKIT_HAVE_*), never comparing version numbers:
 *
 *   MSIKIT_HAVE_EPC_BAR_RESIZABLE	BAR_RESIZABLE (7.x): a controller BAR
 *					with the Resizable BAR capability,
 *					1 MiB at least
 *   MSIKIT_HAVE_SYSTEM_PERCPU_WQ	system_percpu_wq, system_wq's new
 *					name (Debian's 6.12 has both); 7.x
 *					logs work queued on the old one
 */
#ifndef _MSIKIT_EPF_DB_COMPAT_H
#define _MSIKIT_EPF_DB_COMPAT_H

#include <linux/pci-epc.h>
#include <linux/sizes.h>

#include "probes.h"

#ifndef MSIKIT_HAVE_SYSTEM_PERCPU_WQ
#define system_percpu_wq system_wq
#endif

/* the smallest size the controller lets BAR @bar have, 0 if it decides */
static inline u64 epf_db_bar_min(const struct pci_epc_features *f, enum pci_barno bar)
{
	if (f->bar[bar].type == BAR_FIXED)
		return f->bar[bar].fixed_size;
#ifdef MSIKIT_HAVE_EPC_BAR_RESIZABLE
	/* the capability's smallest size */
	if (f->bar[bar].type == BAR_RESIZABLE)
		return SZ_1M;
#endif
	return 0;
}

#endif /* _MSIKIT_EPF_DB_COMPAT_H */
