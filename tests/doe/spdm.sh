#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Device authentication over CMA/SPDM with msikit-doe spdm, through the
# mediated path, against devices that speak it: QEMU's nvme functions
# with spdm_port, each forwarding its DOE's CMA/SPDM objects to the test
# responder (tests/doe/spdm-responder.py, one mode per function: its
# docstring says what each does wrong). A good device is verified on a
# routed mailbox (the kernel's pci_doe(), nvme bound) and on an owned one
# (msikit_doe bound, interrupt and poll mode): the chain passes openssl
# verify on its own, the JSON holds what the device sent field by field,
# and the transcripts msikit-doe hashed are the ones the responder
# signed. Each faulty device gets its exit code and reason; a second
# requester meanwhile is turned away; a recorded sequence is judged again
# from its dump; nothing is left claimed.
# timeout: 300
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

PRE=/msikit-run/pre
EV=/tmp/spdm-ev

# spdm MODE [ARGS]: msikit-doe spdm on MODE's function (found once, while
# nvme had it: BDF_MODE), evidence in $EV/MODE
spdm() {
	local m=$1 bdf
	shift
	eval "bdf=\${BDF_$m:-}"
	[ -n "$bdf" ] || { log "no nvme function for $m"; return 99; }
	rm -rf "$EV/$m" && mkdir -p "$EV/$m"
	msikit-doe spdm "$bdf" --out "$EV/$m" "$@" > "$EV/$m/out" 2>&1
	RC=$?
	sed 's/^/# /' "$EV/$m/out" | grep -E 'result|chain:|signature|mailbox' | head -5
	return $RC
}
# jget MODE EXPR: a field of MODE's evidence.json (a Python expression on j)
jget() {
	python3 -c "import json,sys; j=json.load(open('$EV/$1/evidence.json')); print($2)"
}
# signed MODE WHAT N: the hash of the Nth transcript of WHAT (challenge,
# measurements) the responder signed for MODE
signed() { cat "$PRE/signed.$1.$2.$3" 2>/dev/null; }
claim_none() { [ "$(cat "$CLASS/$(mb_of "$1")/spdm_claim")" = none ]; }

ktap_header
[ -s $PRE/ports ] || ktap_skip_all "no SPDM responder: this machine has no nvme spdm_port devices"
out=$(spdm-selftest vectors 2>&1)
rc=$?
echo "$out" | grep -E '^(not ok|#)'
ktap_result "the parsers on messages from DSP0274's tables, and cut short: $(echo "$out" | grep -c '^ok') cases" \
	test "$rc" = 0
load_doe
# no udev here to load it for the functions: the serials tell the modes apart
modprobe nvme || ktap_bail "modprobe nvme failed"
for m in p384 p256 badkey badnonce trunc short v11 err rnr never dead; do
	i=0
	while [ $i -lt 50 ] && ! nvme_bdf $m > /dev/null; do sleep 0.2; i=$((i + 1)); done
	b=$(nvme_bdf $m) || ktap_bail "no nvme function with serial spdm-$m"
	eval "BDF_$m=$b"
done
P384=$BDF_p384
log "p384's function $P384, mailbox $(mb_of "$P384"), features $(cat "$CLASS/$(mb_of "$P384")/features" | tr '\n' ' ')"

# --- a good device, routed through the kernel's pci_doe() ---
spdm p384 --ca $PRE/root-p384.pem --json
ktap_expect "P-384, routed: verified (exit 0)" 0 "$RC"
ktap_expect "the JSON says so" "verified 0 routed" \
	"$(jget p384 "j['result'], j['exit_code'], j['mode']")"
ktap_expect "SPDM 1.2, ECDSA P-384, SHA-384" "1.2 ecdsa_p384 sha384" \
	"$(jget p384 "j['spdm_version'], j['algorithms']['base_asym'], j['algorithms']['base_hash']")"
ktap_expect "three certificates, the device's last" "3 CN=msikit test device p384,O=msikit test" \
	"$(jget p384 "len(j['slots'][0]['certificates']), j['slots'][0]['certificates'][-1]['subject']")"
ktap_expect "chain, root hash, digest and both signatures valid" "True True True True True" \
	"$(jget p384 "j['slots'][0]['chain_verified'], j['slots'][0]['root_hash_valid'], j['slots'][0]['digest_valid'], j['challenge']['signature_valid'], j['measurements']['signature_valid']")"
ktap_expect "the CHALLENGE transcript is the one the device signed" "$(signed p384 challenge 1)" \
	"$(jget p384 "j['challenge']['transcript_hash']")"
ktap_expect "the MEASUREMENTS transcript is the one the device signed" "$(signed p384 measurements 1)" \
	"$(jget p384 "j['measurements']['transcript_hash']")"
ktap_expect "the JSON's transcripts hash to their transcript_hash" "True True" \
	"$(jget p384 "' '.join(str(__import__('hashlib').sha384(bytes.fromhex(j[k]['transcript'])).hexdigest() == j[k]['transcript_hash']) for k in ('challenge', 'measurements'))")"
ktap_expect "three measurement blocks: ROM, firmware, version" \
	"1:immutable_rom:False 2:mutable_firmware:False 3:firmware_version:True" \
	"$(jget p384 "' '.join('%d:%s:%s' % (b['index'], b['type'], b['raw']) for b in j['measurements']['blocks'])")"
ktap_expect "the version block's value" "msikit-test 1.2.3" \
	"$(jget p384 "bytes.fromhex(j['measurements']['blocks'][2]['value']).decode()")"
# openssl, on its own, over the files msikit-doe wrote as they are:
# slot0.pem leaf first, so that openssl sees the device's certificate
sub=$(openssl x509 -in "$EV/p384/slot0.pem" -noout -subject 2>&1)
ktap_result "openssl x509 reads the device's certificate first in slot0.pem: $sub" \
	sh -c "echo '$sub' | grep -q 'msikit test device p384'"
ktap_result "openssl verify: the device's certificate chains to the root" \
	openssl verify -CAfile $PRE/root-p384.pem -untrusted "$EV/p384/slot0.pem" "$EV/p384/slot0.pem"
# and that check is not one a root passes on its own
# (slot0.pem holds its own root, untrusted: openssl meets it self-signed)
ktap_result "openssl verify against another root fails, for that reason" \
	sh -c "openssl verify -CAfile $PRE/root-p256.pem -untrusted $EV/p384/slot0.pem $EV/p384/slot0.pem 2>&1 |
		grep -q -e 'self-signed certificate in certificate chain' -e 'unable to get'"
awk -v d="$EV/p384" '/BEGIN CERT/ { n++ } { print > (d "/cert" n ".pem") }' "$EV/p384/slot0.pem"
ktap_result "slot0.der holds the same certificates, DER, root first as the device sent them" \
	sh -c "for c in $EV/p384/cert3.pem $EV/p384/cert2.pem $EV/p384/cert1.pem; do
		openssl x509 -in \$c -outform DER; done | cmp -s - $EV/p384/slot0.der"
ktap_result "nothing is left claimed" claim_none "$P384"

spdm p384
ktap_expect "without --ca: not verified (exit 3), the signatures still checked" "3 False True" \
	"$RC $(jget p384 "j['slots'][0]['chain_verified'], j['challenge']['signature_valid']")"

# --- the same device owned by msikit_doe: interrupt, then poll mode ---
echo "$P384" > "/sys/bus/pci/devices/$P384/driver/unbind"
bind_msikit "$P384" || ktap_bail "cannot bind msikit_doe to $P384"
spdm p384 --ca $PRE/root-p384.pem
ktap_expect "P-384, owned, interrupt mode: verified" "0 irq" "$RC $(jget p384 "j['mode']")"
# (the second sequence was the one without --ca)
ktap_expect "its transcript is the one signed" "$(signed p384 challenge 3)" \
	"$(jget p384 "j['challenge']['transcript_hash']")"
unbind_msikit "$P384"
load_doe poll=1
bind_msikit "$P384" || ktap_bail "cannot bind msikit_doe to $P384 (poll)"
spdm p384 --ca $PRE/root-p384.pem --dump-bin /tmp/spdm.dump
ktap_expect "P-384, owned, poll mode: verified" "0 poll" "$RC $(jget p384 "j['mode']")"
H=$(jget p384 "j['challenge']['transcript_hash']")
N1=$(jget p384 "j['challenge']['requester_nonce']")
N2=$(jget p384 "j['measurements']['requester_nonce']")
out=$(msikit-doe spdm --from-dump /tmp/spdm.dump --ca $PRE/root-p384.pem \
	--nonce "$N1" --meas-nonce "$N2" --json 2>&1)
rc=$?
ktap_expect "its dump judged again with the nonces it answered, no device: verified, the same transcript" \
	"0 $H" "$rc $(echo "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['challenge']['transcript_hash'])")"
msikit-doe spdm --from-dump /tmp/spdm.dump --ca $PRE/root-p384.pem > /tmp/spdm-replay 2>&1
ktap_expect "without the nonces: not verified (3), not fresh" "3" "$?"
ktap_result "and it says why" grep -q "fresh only for the nonces it answered" /tmp/spdm-replay
msikit-doe spdm --from-dump /tmp/spdm.dump --ca $PRE/root-p384.pem \
	--nonce "$N2" --meas-nonce "$N1" > /tmp/spdm-replay 2>&1
ktap_expect "with other nonces: not verified (3)" "3" "$?"
# one byte of the recorded CHALLENGE_AUTH's signature flipped (P-384: it
# takes bytes 86 to 181, after the header, hash, nonce and opaque length)
python3 - /tmp/spdm.dump /tmp/spdm-bad.dump <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
pos = 12
while pos < len(d):
    direction, length = d[pos], struct.unpack_from('<I', d, pos + 4)[0]
    if direction == 2 and d[pos + 9] == 0x03:
        d[pos + 8 + 100] ^= 0xff
    pos += 8 + length
open(sys.argv[2], 'wb').write(d)
PY
msikit-doe spdm --from-dump /tmp/spdm-bad.dump --ca $PRE/root-p384.pem \
	--nonce "$N1" --meas-nonce "$N2" > /tmp/spdm-replay 2>&1
ktap_expect "a recording whose CHALLENGE_AUTH was altered: not verified (3)" "3" "$?"
ktap_result "its signature is what fails" grep -q "challenge:     signature FAILED" /tmp/spdm-replay
unbind_msikit "$P384"
echo "$P384" > /sys/bus/pci/drivers_probe
load_doe

# --- P-256 ---
spdm p256 --ca $PRE/root-p256.pem
ktap_expect "P-256: verified, ECDSA P-256, SHA-256" "0 ecdsa_p256 sha256" \
	"$RC $(jget p256 "j['algorithms']['base_asym'], j['algorithms']['base_hash']")"

# --- devices that fail, each for its reason ---
spdm badkey --ca $PRE/root-p384.pem
ktap_expect "a device signing with another key: not verified (3), neither signature" "3 False False" \
	"$RC $(jget badkey "j['challenge']['signature_valid'], j['measurements']['signature_valid']")"
spdm badnonce --ca $PRE/root-p384.pem
ktap_expect "a CHALLENGE_AUTH signed over another nonce: not verified (3), only that signature" \
	"3 False True" "$RC $(jget badnonce "j['challenge']['signature_valid'], j['measurements']['signature_valid']")"
spdm trunc --ca $PRE/root-p384.pem
ktap_expect "a chain without the device's certificate: not verified (3)" 3 "$RC"
ktap_result "and it says the last certificate is a CA" \
	grep -q "the last certificate of the chain is a CA" "$EV/trunc/out"
spdm short --ca $PRE/root-p384.pem
ktap_expect "a chain that ends 16 bytes short: not verified (3)" 3 "$RC"
ktap_result "and it says which certificate does not parse" \
	grep -q "certificate 3 does not parse as DER" "$EV/short/out"
ktap_result "and nothing is left claimed on it" claim_none "$BDF_short"
spdm v11 --ca $PRE/root-p384.pem
ktap_expect "a device offering SPDM 1.1 only: device error (6)" 6 "$RC"
ktap_result "and it names the versions" grep -q "the device offers 1.1, msikit-doe speaks 1.2" "$EV/v11/out"
spdm err --ca $PRE/root-p384.pem
ktap_expect "a device answering CHALLENGE with ERROR: device error (6)" 6 "$RC"
ktap_result "and it names the error" grep -q "CHALLENGE: the device answered ERROR 0x04" "$EV/err/out"
spdm rnr --ca $PRE/root-p384.pem --json
ktap_expect "a device not ready once: waited out with RESPOND_IF_READY, verified" "0 1" \
	"$RC $(jget rnr "j['not_ready']")"
ktap_expect "its transcript is the one signed (no ERROR in it)" "$(signed rnr challenge 1)" \
	"$(jget rnr "j['challenge']['transcript_hash']")"
spdm never --ca $PRE/root-p384.pem
ktap_expect "a device that is never ready: device error (6)" 6 "$RC"
ktap_result "and it says so" grep -q "CHALLENGE: ResponseNotReady once too often" "$EV/never/out"
ktap_result "and nothing is left claimed on it" claim_none "$BDF_never"
spdm dead --ca $PRE/root-p384.pem
ktap_expect "a device that stops answering: device error (6)" 6 "$RC"
# (the kernel's pci_doe() reports its time-out as EIO)
ktap_result "after the time-out" grep -Eq "CHALLENGE: (Connection timed out|Input/output error)" "$EV/dead/out"
ktap_result "and nothing is left claimed on it" claim_none "$BDF_dead"

# --- the policy in front of a real device ---
setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin msikit-doe spdm "$P384" --ca $PRE/root-p384.pem \
	> /tmp/spdm-nocap 2>&1
ktap_expect "without CAP_SYS_ADMIN: refused by the kernel's policy (4)" 4 "$?"
ktap_result "and it says why" grep -q "Operation not permitted" /tmp/spdm-nocap
out=$(msikit-doe exchange "$P384" 0001:01 0000e412 2>&1)
log "$out"
ktap_result "KEY_EXCHANGE through the raw path: EPERM" sh -c "echo '$out' | grep -q 'Operation not permitted'"
doe-spdm hold "/dev/msikit/$(mb_of "$P384")" 4 > /tmp/spdm-hold 2>&1 &
HOLD=$!
i=0
while [ $i -lt 30 ] && claim_none "$P384"; do sleep 0.1; i=$((i + 1)); done
spdm p384 --ca $PRE/root-p384.pem
ktap_expect "a second requester while one holds the mailbox: busy (5)" 5 "$RC"
wait $HOLD
ktap_result "nothing is left claimed once the holder closed" claim_none "$P384"
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_finished
