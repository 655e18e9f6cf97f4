#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A peer that runs upstream's drivers/ntb/msi.c (msikit_ntb_msi's
# upstream_peer parameter). Side B of the loopback plays that peer (its
# upstream attribute): it publishes bare offsets and triggers A's
# descriptors as upstream's ntb_msi_peer_trigger() does, the offset word
# whole and unbounded; the double's window drops what lies beyond it,
# where upstream's store would land past its mapping of the window.
# Without upstream_peer, a sealed descriptor's top byte sends such a
# peer's store out of the window and A's trigger refuses B's bare offsets;
# with it, A's descriptors are plain, its interrupts are pinned where they
# would change, and every write both ways lands once at its own interrupt.
# Writer: edu MSI capability, requester ID of the receiving function.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

N=4
UP=/sys/module/msikit_ntb_msi/parameters/upstream_peer

# pin_refusal ERR: ERR is how /proc/irq/N/smp_affinity refuses an
# interrupt nobody may move: EPERM since 6.12 (EIO before). An EIO here
# comes from elsewhere (x86's apic_set_affinity() on an interrupt never
# activated): a broken interrupt, not a pinned one.
pin_refusal() {
	case "$1" in
	*'Operation not permitted'*) return 0 ;;
	esac
	return 1
}

ktap_header
need_ntb_loop
load_ntb
[ -w $UP ] || ktap_bail "msikit_ntb_msi has no upstream_peer parameter"
echo 1 > "$B/ntb/upstream" || ktap_bail "side B cannot play an upstream peer"

# --- msikit's defaults against an upstream peer ---
echo 0 > $UP
echo 0 > "$B/ntb/setup" || ktap_bail "setup 0 on B failed"
echo $N > "$A/ntb/setup" || ktap_bail "setup $N on A failed"
kind=$(parent_kind "$A")
log "A's descriptors ($kind): $(tr '\n' ';' < "$A/ntb/descs")"
# B fires each of A's interrupts once, upstream's way: a sealed word whose
# top byte is not 0 lies beyond the window (dropped, nothing counts
# anywhere); every other word is delivered at its own interrupt
beyond=0 bad=0 sealed=0 lines=0
while read -r i off data fmt word; do
	lines=$((lines + 1))
	[ "$fmt" = sealed ] && sealed=$((sealed + 1))
	if [ "$fmt" = sealed ] && [ $((word >> 24)) != 0 ]; then
		beyond=$((beyond + 1))
		err=$(write_err "$B/ntb/fire" "$i 1") && { log "B's upstream write of $word landed"; bad=$((bad + 1)); }
		log "interrupt $i, word $word: ${err##*: }"
	else
		write_err "$B/ntb/fire" "$i 1" > /dev/null || { log "interrupt $i, word $word: lost or misrouted"; bad=$((bad + 1)); }
	fi
done < "$A/ntb/descs"
ktap_expect "A publishes a descriptor per interrupt" $N $lines
ktap_expect "without upstream_peer: each of A's $N descriptors written upstream's way lands at its own interrupt, or beyond the window if sealed" \
	0 $bad
ktap_expect "the writes beyond the window, A's window dropped them" "$beyond" "$(info_field "$A" dropped)"
# what is sealed decides what lands beyond; the parent decides what is sealed
case $kind in
immutable) ktap_expect "A's descriptors ($kind): none sealed" 0 $sealed ;;
*) ktap_expect "A's descriptors ($kind): all sealed" $N $sealed ;;
esac
# a seal's top byte is 0 one time in 256, and such a word lands at its
# own interrupt: all $N at once (1 in 2^32) would fail this spuriously
ktap_result "A's sealed descriptors: $beyond of $sealed beyond the window, as upstream writes them" \
	test $sealed = 0 -o $beyond -gt 0
counted=$(awk '$2 != 0' "$A/ntb/counts" | wc -l)
ktap_expect "A's interrupts that counted a write" $((N - beyond)) "$counted"
if [ "$kind" = mutable ]; then
	a0=$(side_irqs A | head -1)
	err=$(write_err /proc/irq/$a0/smp_affinity_list 1)
	ktap_expect "without upstream_peer, A's irq $a0 takes a new affinity" "" "$err"
fi

# B's bare offsets, published from a context made for upstream peers
# (plain), are refused by A's context, made without: nothing is written
echo 1 > "$B/ntb/teardown" || ktap_bail "teardown of B failed"
echo 1 > $UP
echo $N > "$B/ntb/setup" || ktap_bail "setup $N on B failed"
echo 0 > $UP
ktap_expect "B publishes $N bare offsets" $N "$(awk '$4 == "bare"' "$B/ntb/descs" | wc -l)"
ktap_expect "B publishes nothing else" 0 "$(awk '$4 != "bare"' "$B/ntb/descs" | wc -l)"
r0=$(refused_total)
ktap_result "without upstream_peer, A's trigger refuses B's bare offset" refused "$A/ntb/fire" "0 1"
ktap_result "A's refusals were counted (debugfs msikit_ntb_msi/refused)" test "$(refused_total)" -gt "$r0"
ktap_expect "B's $N interrupts counted nothing" "$N 0" \
	"$(wc -l < "$B/ntb/counts") $(awk '$2 != 0' "$B/ntb/counts" | wc -l)"
teardown_both

# --- upstream_peer ---
echo 1 > $UP
echo $N > "$B/ntb/setup" || ktap_bail "setup $N on B failed"
echo $N > "$A/ntb/setup" || ktap_bail "setup $N on A failed"
ktap_expect "A's context was made for upstream peers" 1 "$(info_field "$A" upstream_peer)"
ktap_expect "A publishes $N plain descriptors" $N "$(awk '$4 == "plain"' "$A/ntb/descs" | wc -l)"
ktap_expect "A publishes nothing else" 0 "$(awk '$4 != "plain"' "$A/ntb/descs" | wc -l)"
if [ "$kind" = mutable ]; then
	a0=$(side_irqs A | head -1)
	# (IRQF_NOBALANCING: the core takes no affinity from user space)
	err=$(write_err /proc/irq/$a0/smp_affinity_list 1)
	log "irq $a0 <- affinity 1: ${err:-taken}"
	ktap_result "A's interrupts are pinned: a new affinity for irq $a0 is refused (EPERM)" \
		pin_refusal "$err"
fi
ktap_result "B -> A, upstream's way: $N interrupts x 3 writes, each delivered exactly once" \
	fire_all_ok "$B" "$A" $N 3
ktap_result "A -> B, B's bare offsets: $N interrupts x 3 writes, each delivered exactly once" \
	fire_all_ok "$A" "$B" $N 3
ktap_expect "no write was dropped by B's window" 0 "$(info_field "$B" dropped)"
teardown_both

# the trigger's handling of bare offsets, on a scratch context made for
# upstream peers; B's window (setup 0) is the port that drops the two
# beyond it
echo 0 > "$B/ntb/setup" || ktap_bail "setup 0 on B failed"
cat "$A/ntb/selftest" > /tmp/ntb-selftest-up.out
sed 's/^/# /' /tmp/ntb-selftest-up.out
ktap_expect "selftest with upstream_peer: its bare-offset cases" 4 \
	"$(grep -c '^ok.*upstream_peer' /tmp/ntb-selftest-up.out)"
ktap_expect "selftest with upstream_peer: no case failed or skipped" 0 \
	"$(grep -c '^not ok\|# SKIP' /tmp/ntb-selftest-up.out)"
teardown_both
echo 0 > $UP
echo 0 > "$B/ntb/upstream"
ktap_result "unload" unload_ntb
ktap_finished
