#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Test-only SPDM 1.2 responder behind QEMU's nvme spdm_port (doe suite).

QEMU's nvme device forwards each CMA/SPDM object its DOE mailbox receives
to a TCP port on 127.0.0.1, where it is the client, and puts the reply in
the mailbox. This responder listens on one port per mode, each mode one
device of the guest, and answers from a single thread without ever
sleeping: QEMU waits for the reply with its big lock held, so a slow
responder would stall the whole guest. A device that does not answer is a
reply of 0 bytes, which QEMU turns into a mailbox that never gets ready.

It is written apart from msikit's requester (tools/spdm.c), in another
language, from DSP0274 1.2's tables, so that the two do not share a
misreading of the specification. Only what the requester asks is served:
GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS, GET_DIGESTS,
GET_CERTIFICATE, CHALLENGE, GET_MEASUREMENTS and RESPOND_IF_READY; the
rest is ERROR UnsupportedRequest.

Modes (one port each):
  p384, p256  a good device: ECDSA P-384/SHA-384 or P-256/SHA-256
  badkey      signs with a key that is not its certificate's
  badnonce    signs CHALLENGE_AUTH over a CHALLENGE with another nonce
  trunc       its slot 0 chain lacks the device's own certificate
  short       its slot 0 chain ends 16 bytes into the device's own
              certificate's last ones (the chain's Length says so)
  v11         offers SPDM 1.1 only
  err         answers CHALLENGE with ERROR UnexpectedRequest
  rnr         answers CHALLENGE with ResponseNotReady, then the
              CHALLENGE_AUTH to RESPOND_IF_READY
  never       answers CHALLENGE and every RESPOND_IF_READY with
              ResponseNotReady
  dead        answers CHALLENGE with nothing (the mailbox times out)

  spdm-responder.py DIR MODE...

writes DIR/ports ("MODE PORT" lines, once every port listens), the roots
of trust as DIR/root-p384.pem and DIR/root-p256.pem, and, for the Nth
CHALLENGE or MEASUREMENTS a mode signs, the hash of the transcript it
signed (hex) as DIR/signed.MODE.challenge.N or .measurements.N: a file of
its own each time, since the guest's 9p view caches a file it has read.
It runs until killed or until QEMU's SHUTDOWN.
"""

import datetime
import os
import select
import socket
import struct
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

# QEMU's spdm-socket framing: command, transport, size, all big-endian
CMD_NORMAL, CMD_SHUTDOWN = 0x0001, 0xFFFE
TRANSPORT_PCI_DOE = 2
# DOE: PCI-SIG vendor 0x0001, CMA/SPDM type 1
DOE_CMA = 0x0001 | (0x01 << 16)

# DSP0274 request and response codes
GET_DIGESTS, GET_CERTIFICATE, CHALLENGE, GET_VERSION = 0x81, 0x82, 0x83, 0x84
GET_MEASUREMENTS, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS = 0xE0, 0xE1, 0xE3
RESPOND_IF_READY = 0xFF
DIGESTS, CERTIFICATE, CHALLENGE_AUTH, VERSION = 0x01, 0x02, 0x03, 0x04
MEASUREMENTS, CAPABILITIES, ALGORITHMS, ERROR = 0x60, 0x61, 0x63, 0x7F
# ERROR codes
E_INVALID, E_UNEXPECTED, E_UNSUPPORTED = 0x01, 0x04, 0x07
E_VERSION_MISMATCH, E_NOT_READY = 0x41, 0x42

V12 = 0x12
# CAPABILITIES flags: CERT_CAP, CHAL_CAP, MEAS_CAP = 2 (with signature)
RSP_FLAGS = (1 << 1) | (1 << 2) | (2 << 3)
# ALGORITHMS bits: BaseAsymAlgo, BaseHashAlgo, MeasurementHashAlgo
ASYM_P256, ASYM_P384 = 1 << 4, 1 << 7
HASH_SHA256, HASH_SHA384 = 1 << 0, 1 << 1
MEAS_SHA256, MEAS_SHA384 = 1 << 1, 1 << 2

SUITES = {
    'p384': (ASYM_P384, HASH_SHA384, MEAS_SHA384, ec.SECP384R1(), hashes.SHA384, 48),
    'p256': (ASYM_P256, HASH_SHA256, MEAS_SHA256, ec.SECP256R1(), hashes.SHA256, 32),
}
MODES = ('p384', 'p256', 'badkey', 'badnonce', 'trunc', 'short', 'v11', 'err', 'rnr', 'never',
         'dead')
# how many transcripts each (mode, what) signed so far
SIGNED = {}


def digest(algo, data):
    h = hashes.Hash(algo())
    h.update(data)
    return h.finalize()


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'msikit test'),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def certificate(subject, key, issuer, issuer_key, ca, algo):
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=3650))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                          False, False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                          False, False), critical=True)
    return b.sign(issuer_key, algo())


class Identity:
    """A root of trust, an intermediate and a device certificate, one curve."""

    def __init__(self, suite, outdir):
        _, _, _, curve, algo, _ = SUITES[suite]
        root_key = ec.generate_private_key(curve)
        mid_key = ec.generate_private_key(curve)
        self.key = ec.generate_private_key(curve)
        self.wrong_key = ec.generate_private_key(curve)
        root = certificate('msikit test root ' + suite, root_key,
                           'msikit test root ' + suite, root_key, True, algo)
        mid = certificate('msikit test intermediate ' + suite, mid_key,
                          'msikit test root ' + suite, root_key, True, algo)
        leaf = certificate('msikit test device ' + suite, self.key,
                           'msikit test intermediate ' + suite, mid_key, False, algo)
        self.ders = [c.public_bytes(serialization.Encoding.DER) for c in (root, mid, leaf)]
        with open(os.path.join(outdir, 'root-%s.pem' % suite), 'wb') as f:
            f.write(root.public_bytes(serialization.Encoding.PEM))

    def chain(self, algo, truncated, cut=0):
        """A slot's certificate chain: Length, reserved, root hash, DER."""
        ders = self.ders[:-1] if truncated else self.ders
        if cut:
            ders = ders[:-1] + [ders[-1][:-cut]]
        body = digest(algo, ders[0]) + b''.join(ders)
        return struct.pack('<HH', 4 + len(body), 0) + body


def error(code, data=0, ext=b''):
    return bytes([V12, ERROR, code, data]) + ext


class Connection:
    """One QEMU device's connection: its SPDM state and transcripts."""

    def __init__(self, mode, ids, outdir):
        self.mode, self.ids, self.outdir = mode, ids, outdir
        self.suite = 'p256' if mode == 'p256' else 'p384'
        asym, hsh, meas, _, algo, size = SUITES[self.suite]
        self.asym, self.hash, self.meas, self.algo, self.hsize = asym, hsh, meas, algo, size
        self.identity = ids[self.suite]
        self.slot0 = self.identity.chain(algo, mode == 'trunc', 16 if mode == 'short' else 0)
        self.buf = b''
        self.reset()

    def reset(self):
        self.vca = b''          # A: VCA, GET_VERSION to ALGORITHMS
        self.b = b''            # B: digests and certificates
        self.l = b''            # L: measurements since the last one signed
        self.negotiated = False
        self.pending = None     # (request, response) held back by ResponseNotReady

    def log(self, what, data):
        SIGNED[(self.mode, what)] = n = SIGNED.get((self.mode, what), 0) + 1
        name = os.path.join(self.outdir, 'signed.%s.%s.%d' % (self.mode, what, n))
        with open(name + '.new', 'w') as f:
            f.write(digest(self.algo, data).hex() + '\n')
        os.rename(name + '.new', name)

    def sign(self, context, transcript):
        """DSP0274 1.2: ECDSA over the combined prefix and H(transcript)."""
        prefix = b'dmtf-spdm-v1.2.*' * 4
        ctx = context.encode()
        m = prefix + bytes(36 - len(ctx)) + ctx + digest(self.algo, transcript)
        key = self.identity.wrong_key if self.mode == 'badkey' else self.identity.key
        r, s = decode_dss_signature(key.sign(m, ec.ECDSA(self.algo())))
        n = 48 if self.suite == 'p384' else 32
        return r.to_bytes(n, 'big') + s.to_bytes(n, 'big')

    def measurement_record(self):
        blocks = [
            (1, 0x00, digest(self.algo, b'msikit test ROM')),         # immutable ROM
            (2, 0x01, digest(self.algo, b'msikit test firmware')),    # mutable firmware
            (3, 0x86, b'msikit-test 1.2.3'),                          # version, raw
        ]
        rec = b''
        for index, vtype, value in blocks:
            dmtf = struct.pack('<BH', vtype, len(value)) + value
            rec += struct.pack('<BBH', index, 0x01, len(dmtf)) + dmtf
        return len(blocks), rec

    # --- requests ---

    def on_version(self, req):
        self.reset()
        entries = [0x1100] if self.mode == 'v11' else [0x1000, 0x1100, 0x1200]
        rsp = bytes([0x10, VERSION, 0, 0, 0, len(entries)])
        rsp += b''.join(struct.pack('<H', e) for e in entries)
        self.vca = req[:4] + rsp
        return rsp

    def on_capabilities(self, req):
        if len(req) < 20 or not self.vca:
            return error(E_UNEXPECTED if not self.vca else E_INVALID)
        rsp = bytes([V12, CAPABILITIES, 0, 0, 0, 12, 0, 0])
        rsp += struct.pack('<III', RSP_FLAGS, 4096, 4096)
        self.vca += req[:20] + rsp
        return rsp

    def on_algorithms(self, req):
        if len(req) < 32:
            return error(E_INVALID)
        length, = struct.unpack_from('<H', req, 4)
        asym, hsh = struct.unpack_from('<II', req, 8)
        if not asym & self.asym or not hsh & self.hash:
            return error(E_UNSUPPORTED)
        rsp = bytes([V12, ALGORITHMS, 0, 0]) + struct.pack('<HBB', 36, 0x01, 0)
        rsp += struct.pack('<III', self.meas, self.asym, self.hash) + bytes(12)
        rsp += bytes([0, 0, 0, 0])
        self.vca += req[:length] + rsp
        self.negotiated = True
        return rsp

    def on_digests(self, req):
        rsp = bytes([V12, DIGESTS, 0, 0x01]) + digest(self.algo, self.slot0)
        self.b = req[:4] + rsp
        return rsp

    def on_certificate(self, req):
        if len(req) < 8:
            return error(E_INVALID)
        slot = req[2] & 0xF
        offset, length = struct.unpack_from('<HH', req, 4)
        if slot != 0 or offset >= len(self.slot0):
            return error(E_INVALID)
        portion = self.slot0[offset:offset + min(length, 1024)]
        remainder = len(self.slot0) - offset - len(portion)
        rsp = bytes([V12, CERTIFICATE, slot, 0]) + struct.pack('<HH', len(portion), remainder)
        rsp += portion
        self.b += req[:8] + rsp
        return rsp

    def on_challenge(self, req):
        if len(req) < 36:
            return error(E_INVALID)
        slot, msh = req[2] & 0xF, req[3]
        if slot != 0:
            return error(E_INVALID)
        rsp = bytes([V12, CHALLENGE_AUTH, slot, 0x01]) + digest(self.algo, self.slot0)
        rsp += os.urandom(32)
        if msh:
            _, rec = self.measurement_record()
            rsp += digest(self.algo, rec)
        rsp += struct.pack('<H', 0)
        signed_req = bytearray(req[:36])
        if self.mode == 'badnonce':
            signed_req[4] ^= 0xFF
        transcript = self.vca + self.b + bytes(signed_req) + rsp
        self.log('challenge', transcript)
        return rsp + self.sign('responder-challenge_auth signing', transcript)

    def on_measurements(self, req):
        signed = req[2] & 1
        need = 37 if signed else 4
        if len(req) < need:
            return error(E_INVALID)
        op = req[3]
        nblocks, rec = self.measurement_record()
        if op == 0:
            rsp = bytes([V12, MEASUREMENTS, nblocks, 0, 0]) + bytes(3)
        elif op == 0xFF:
            rsp = bytes([V12, MEASUREMENTS, 0, 0, nblocks]) + len(rec).to_bytes(3, 'little') + rec
        else:
            return error(E_INVALID)
        rsp += os.urandom(32) + struct.pack('<H', 0)
        self.l += req[:need] + rsp
        if not signed:
            return rsp
        transcript = self.vca + self.l
        self.l = b''
        self.log('measurements', transcript)
        return rsp + self.sign('responder-measurements signing', transcript)

    def answer(self, req):
        if len(req) < 4:
            return error(E_INVALID)
        code = req[1]
        if code == GET_VERSION:
            return self.on_version(req)
        if req[0] != V12 or self.mode == 'v11':
            return error(E_VERSION_MISMATCH)
        if code == RESPOND_IF_READY:
            if not self.pending or req[2] != self.pending[0][1] or req[3] != 0x2A:
                return error(E_UNEXPECTED)
            if self.mode == 'never':
                return error(E_NOT_READY, 0, bytes([0, CHALLENGE, 0x2A, 1]))
            _, rsp = self.pending
            self.pending = None
            return rsp
        handlers = {
            GET_CAPABILITIES: self.on_capabilities,
            NEGOTIATE_ALGORITHMS: self.on_algorithms,
            GET_DIGESTS: self.on_digests,
            GET_CERTIFICATE: self.on_certificate,
            CHALLENGE: self.on_challenge,
            GET_MEASUREMENTS: self.on_measurements,
        }
        if code not in handlers:
            return error(E_UNSUPPORTED, code)
        if code != GET_CAPABILITIES and not self.negotiated and code != NEGOTIATE_ALGORITHMS:
            return error(E_UNEXPECTED)
        if code == CHALLENGE and self.mode == 'err':
            return error(E_UNEXPECTED)
        if code == CHALLENGE and self.mode == 'dead':
            return None
        rsp = handlers[code](req)
        if code == CHALLENGE and self.mode in ('rnr', 'never') and rsp[1] == CHALLENGE_AUTH:
            # RDTExponent 1 us, the request it answers, token 0x2a, RDTM 1
            self.pending = (req, rsp)
            return error(E_NOT_READY, 0, bytes([0, CHALLENGE, 0x2A, 1]))
        return rsp

    # --- QEMU's framing ---

    def feed(self, data):
        """Frames in @data; returns the replies to send, or None at shutdown."""
        self.buf += data
        out = b''
        while len(self.buf) >= 12:
            cmd, transport, size = struct.unpack_from('>III', self.buf)
            if len(self.buf) < 12 + size:
                break
            payload, self.buf = self.buf[12:12 + size], self.buf[12 + size:]
            if cmd == CMD_SHUTDOWN:
                return None
            rsp = None
            if cmd == CMD_NORMAL and len(payload) >= 8:
                hdr, dws = struct.unpack_from('<II', payload)
                if hdr == DOE_CMA:
                    rsp = self.answer(payload[8:4 * (dws & 0x3FFFF)])
            if rsp is None:
                out += struct.pack('>III', CMD_NORMAL, TRANSPORT_PCI_DOE, 0)
                continue
            rsp += bytes(-len(rsp) % 4)
            obj = struct.pack('<II', DOE_CMA, 2 + len(rsp) // 4) + rsp
            out += struct.pack('>III', CMD_NORMAL, TRANSPORT_PCI_DOE, len(obj)) + obj
        return out


def main():
    if len(sys.argv) < 3 or any(m not in MODES for m in sys.argv[2:]):
        sys.exit('usage: spdm-responder.py DIR MODE... (modes: %s)' % ' '.join(MODES))
    outdir, modes = sys.argv[1], sys.argv[2:]
    os.makedirs(outdir, exist_ok=True)
    ids = {s: Identity(s, outdir) for s in SUITES}
    listeners = {}
    for mode in modes:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.bind(('127.0.0.1', 0))
        ls.listen(1)
        listeners[ls] = mode
    with open(os.path.join(outdir, 'ports.new'), 'w') as f:
        for ls, mode in listeners.items():
            f.write('%s %d\n' % (mode, ls.getsockname()[1]))
    os.rename(os.path.join(outdir, 'ports.new'), os.path.join(outdir, 'ports'))
    conns = {}
    while listeners or conns:
        ready, _, _ = select.select(list(listeners) + list(conns), [], [])
        for s in ready:
            if s in listeners:
                c, _ = s.accept()
                conns[c] = Connection(listeners.pop(s), ids, outdir)
                s.close()
                continue
            data = s.recv(65536)
            out = conns[s].feed(data) if data else None
            if out is None:
                s.close()
                del conns[s]
            elif out:
                s.sendall(out)


if __name__ == '__main__':
    main()
