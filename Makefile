# SPDX-License-Identifier: GPL-2.0
#
# msikit: out-of-tree MSI parent library, DOE mailboxes, NTB peer interrupts
# and endpoint doorbells for stock distribution kernels.
#
#   make                 build the modules for the running kernel (or KDIR=)
#   make check [T=] [K=] [M=]  every test on every kernel of the matrix, in
#                        VMs (M= narrows the machines: M="arm64-its-smmu q35")
#   make bench T=suite   benchmark figures
#   make soak [T=] [K=]  the full-scale stress and fuzz figures
#   make check-debug [T=] runner, doe, msi-lib, epf-doorbell and fault under
#                        lockdep, KASAN, kmemleak and fault injection (debug
#                        builds of Debian's 6.12 source, amd64 and arm64;
#                        not in CI)
#   make demo            boot a stock Debian kernel, dkms-install, show it
#   make lint            checkpatch --strict, sparse, W=1 on every kernel
#   make deb             msikit-dkms and msikit-tools packages, in deb/
#   make install         without dkms: the modules into the running kernel's
#                        updates/msikit (or KVER=, KDIR=), the CLI into PREFIX
#                        (DESTDIR= stages both)

# kbuild reads Kbuild, never this file, when it descends into M=.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
PREFIX ?= /usr/local

all: modules

modules:
	@test -d "$(KDIR)" || { echo "msikit: no kernel build tree at $(KDIR): install linux-headers-$$(uname -r) or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# DESTDIR= stages everything, modules included, under DESTDIR; depmod is
# then left to whoever installs the staged tree.
install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates/msikit \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C tools
	install -D -m 0755 tools/msikit-doe $(DESTDIR)$(PREFIX)/bin/msikit-doe
	install -D -m 0644 tools/msikit-doe.1 $(DESTDIR)$(PREFIX)/share/man/man1/msikit-doe.1

deb:
	@$(SUDO) scripts/deb.sh

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	$(MAKE) -C tools clean
	$(MAKE) -C tests/progs clean

check:
	@$(SUDO) scripts/check.sh $(if $(T),-t "$(T)") $(if $(K),-k "$(K)") $(if $(M),-m "$(M)") $(if $(R),-r $(R))

bench:
	@$(SUDO) scripts/check.sh --bench $(if $(T),-t "$(T)") $(if $(K),-k "$(K)") $(if $(M),-m "$(M)")

check-debug:
	@$(SUDO) scripts/check.sh --debug $(if $(T),-t "$(T)")

soak:
	@$(SUDO) scripts/check.sh --soak $(if $(T),-t "$(T)") $(if $(K),-k "$(K)") $(if $(M),-m "$(M)")

demo:
	@$(SUDO) scripts/demo.sh $(if $(K),-k "$(K)")

lint:
	@$(SUDO) scripts/check.sh -t lint $(if $(K),-k "$(K)")

.PHONY: all modules install deb clean check check-debug bench soak demo lint
