/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit endpoint doorbells: the register BAR an msikit_epf_db endpoint
 * function publishes, as its host driver (msikit_epf_db_host) reads it.
 *
 * The function's register BAR starts with a header, then one table entry
 * per doorbell. A doorbell is rung by writing its DATA, as one 32-bit
 * little-endian store, at OFFSET in BAR number BAR:
 *
 *  - an MSI doorbell lies in a BAR the function maps onto the MSI
 *    controller (on a GICv3 ITS, its translation register): the store is
 *    the interrupt;
 *  - a polled doorbell is a register of the register BAR itself, which the
 *    function polls: rings that come between two polls merge into one.
 *
 * All registers are 32-bit, little-endian. The host may read the table
 * only while STATUS has MSIKIT_EPF_DB_READY and GENERATION reads the same
 * before and after: the function clears READY before it changes anything
 * and bumps GENERATION with every new table (from an arbitrary start per
 * function, so a host that kept its device across a rebind of the
 * function finds a generation it never took; never 0 or all-ones).
 * A host that took a table
 * writes its generation to HOST_GEN; the function keeps doorbells it
 * retired allocated (and their rings harmless) until the host has
 * acknowledged a newer generation, so a ring with stale data never lands
 * on a doorbell allocated since.
 */
#ifndef _MSIKIT_EPF_DB_H
#define _MSIKIT_EPF_DB_H

#define MSIKIT_EPF_DB_MAGIC		0x42444b4d	/* "MKDB" */
#define MSIKIT_EPF_DB_VERSION		1

/* header */
#define MSIKIT_EPF_DB_REG_MAGIC		0x00
#define MSIKIT_EPF_DB_REG_VERSION	0x04
#define MSIKIT_EPF_DB_REG_COUNT		0x08	/* entries in the table */
#define MSIKIT_EPF_DB_REG_STATUS	0x0c
#define  MSIKIT_EPF_DB_READY		0x1
#define MSIKIT_EPF_DB_REG_GENERATION	0x10	/* new with every table */
#define MSIKIT_EPF_DB_REG_HOST_GEN	0x14	/* written by the host */
/*
 * HOST_GEN is STOPPED when the host holds no table: it took none yet, or
 * it saw READY clear and has stopped ringing. A function that clears
 * READY to go away waits for this (bounded) before it frees doorbells.
 */
#define  MSIKIT_EPF_DB_HOST_STOPPED	0
#define MSIKIT_EPF_DB_REG_BAR_SIZE	0x18	/* bytes of this BAR */
#define MSIKIT_EPF_DB_REG_POLL_US	0x1c	/* polled doorbells: interval */

/* the table: entry i at TABLE + i * ENTRY_SIZE */
#define MSIKIT_EPF_DB_REG_TABLE		0x40
#define MSIKIT_EPF_DB_ENTRY_SIZE	16
#define MSIKIT_EPF_DB_ENT_KIND		0x0
#define  MSIKIT_EPF_DB_KIND_MSI		1
#define  MSIKIT_EPF_DB_KIND_POLLED	2
#define MSIKIT_EPF_DB_ENT_BAR		0x4
#define MSIKIT_EPF_DB_ENT_OFFSET	0x8
#define MSIKIT_EPF_DB_ENT_DATA		0xc

/* polled doorbell i is the register at POLLED + 4 * i */
#define MSIKIT_EPF_DB_REG_POLLED	0x800

/*
 * HANDLED + 4 * i counts (mod 2^32) the rings the function handled on
 * doorbell i, in any generation. A doorbell is an edge: rings that arrive
 * while one is still pending merge into it (an MSI's pending bit, a
 * polled register not yet polled). A host that needs each ring seen
 * waits for this counter to move before it rings again.
 */
#define MSIKIT_EPF_DB_REG_HANDLED	0xc00

#define MSIKIT_EPF_DB_MAX		64
#define MSIKIT_EPF_DB_REG_BAR_BYTES	0x1000

#endif /* _MSIKIT_EPF_DB_H */
