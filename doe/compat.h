/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit_doe compat: what differs between the kernels of the matrix.
 * Each entry probes the feature itself (a macro the kernel defines, or a
 * declaration doe/Kbuild found in its headers: probes.h), not the version
 * number, so distribution backports are handled too.
 */
#ifndef _MSIKIT_DOE_COMPAT_H
#define _MSIKIT_DOE_COMPAT_H

#include <linux/pci.h>
#include <linux/pci-doe.h>

#include "probes.h"

/* 7.x renamed the Discovery response "protocol" field to "type". */
#ifndef PCI_DOE_DATA_OBJECT_DISC_RSP_3_TYPE
#define PCI_DOE_DATA_OBJECT_DISC_RSP_3_TYPE PCI_DOE_DATA_OBJECT_DISC_RSP_3_PROTOCOL
#endif

/* 7.x names the PCI-SIG features; 6.12 keeps them private to doe.c. */
#ifndef PCI_DOE_FEATURE_DISCOVERY
#define PCI_DOE_FEATURE_DISCOVERY	0
#define PCI_DOE_FEATURE_CMA		1
#define PCI_DOE_FEATURE_SSESSION	2
#endif

#endif /* _MSIKIT_DOE_COMPAT_H */
