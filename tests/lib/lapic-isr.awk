# SPDX-License-Identifier: GPL-2.0
# The vectors each CPU's local APIC held in service in both of the
# watchdog's LAPIC dumps, a second apart: an interrupt that never ended
{ sub(/\r$/, "") }
/^dumping local APIC state for CPU/ { cpu = $NF; n[cpu]++ }
/^ISR/ && cpu != "" {
	v = $0
	sub(/^ISR[ \t]*/, "", v)
	sub(/[ \t\r]*$/, "", v)
	isr[cpu, n[cpu]] = v
}
END {
	for (c in n)
		if (n[c] >= 2 && isr[c, 1] != "(none)" && isr[c, 1] != "" && isr[c, 1] == isr[c, 2])
			printf "%sCPU %s's local APIC held vector %s in service in both dumps, a second apart", (out++ ? "; " : ""), c, isr[c, 1]
}
