# SPDX-License-Identifier: GPL-2.0
#
# msikit: out-of-tree MSI parent library, DOE mailboxes, NTB peer interrupts
# and endpoint doorbells for stock distribution kernels.
#
#   make                 build the modules for the running kernel (or KDIR=)
#   make check [T=] [K=] every test on every kernel of the matrix, in VMs
#   make bench T=suite   benchmark figures
#   make soak [T=] [K=]  the full-scale stress and fuzz figures
#   make demo            boot a stock Debian kernel, dkms-install, show it
#   make lint            checkpatch --strict, sparse, W=1 on every kernel

# kbuild reads Kbuild, never this file, when it descends into M=.

KDIR ?= /lib/modules/$(shell uname -r)/build
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

all: modules

modules:
	@test -d "$(KDIR)" || { echo "msikit: no kernel build tree at $(KDIR): install linux-headers-$$(uname -r) or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	$(MAKE) -C tools clean

check:
	@$(SUDO) scripts/check.sh $(if $(T),-t $(T)) $(if $(K),-k $(K))

bench:
	@$(SUDO) scripts/check.sh --bench $(if $(T),-t $(T)) $(if $(K),-k $(K))

soak:
	@$(SUDO) scripts/check.sh --soak $(if $(T),-t $(T)) $(if $(K),-k $(K))

demo:
	@$(SUDO) scripts/demo.sh $(if $(K),-k $(K))

lint:
	@$(SUDO) scripts/check.sh -t lint $(if $(K),-k $(K))

.PHONY: all modules clean check bench soak demo lint
