#!/usr/bin/env python3
"""docs/envelope.md, reimplemented independently (Python `cryptography`), against dragopsctl in
both directions. Skips (exit 77) when the module is absent. Usage: envelope_spec_test.py DRAGOPSCTL"""
import base64, os, struct, subprocess, sys, tempfile

try:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
except ImportError:
    print("skip: python3 cryptography module not installed")
    sys.exit(77)

CTL = sys.argv[1]
KEYS = {1: bytes([0x11]) * 32, 2: bytes([0x22]) * 32}
CONTEXT = ["team-a", "Secret", "db-password", "7d1c2b3a-0000-4000-8000-000000000001", "production"]
OPTIONS = ["--namespace", CONTEXT[0], "--kind", CONTEXT[1], "--name", CONTEXT[2], "--uid", CONTEXT[3],
           "--item", CONTEXT[4]]


def envelope_key(data_key, salt):
    return HKDF(hashes.SHA256(), 32, salt, b"dragops.io/envelope/v1/aes-256-gcm-key").derive(data_key)


def aad(header):
    fields = [b"dragops.io/envelope/v1/aad"] + [f.encode() for f in CONTEXT]
    return b"".join(struct.pack(">I", len(f)) + f for f in fields) + header


def spec_open(envelope):
    assert envelope[0] == 1, "format version"
    key_version = struct.unpack(">I", envelope[1:5])[0]
    salt, nonce, body = envelope[5:37], envelope[37:49], envelope[49:]
    return key_version, AESGCM(envelope_key(KEYS[key_version], salt)).decrypt(nonce, body, aad(envelope[:49]))


def spec_seal(key_version, plaintext):
    salt, nonce = os.urandom(32), os.urandom(12)
    header = bytes([1]) + struct.pack(">I", key_version) + salt + nonce
    return header + AESGCM(envelope_key(KEYS[key_version], salt)).encrypt(nonce, plaintext, aad(header))


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        ring = os.path.join(work, "ring.json")
        with open(ring, "w") as f:
            keys = ", ".join('{"version": %d, "key": "%s"}' % (v, base64.b64encode(k).decode()) for v, k in KEYS.items())
            f.write('{"primary": 2, "keys": [%s]}' % keys)
        for plaintext in [b"", b"hunter2", bytes(range(256)) * 5]:
            sealed = subprocess.run([CTL, "seal", "--keyring", ring] + OPTIONS, input=plaintext,
                                    capture_output=True, check=True).stdout
            envelope = base64.b64decode(sealed)
            version, opened = spec_open(envelope)
            ok = opened == plaintext and version == 2 and len(envelope) == 65 + len(plaintext)
            print(("ok  " if ok else "FAIL") + " spec opens dragopsctl's envelope of %d bytes" % len(plaintext))
            failures += not ok
            for key_version in (1, 2):
                mine = base64.b64encode(spec_seal(key_version, plaintext))
                result = subprocess.run([CTL, "open", "--keyring", ring] + OPTIONS, input=mine, capture_output=True)
                ok = result.returncode == 0 and result.stdout == plaintext
                print(("ok  " if ok else "FAIL") + " dragopsctl opens the spec's v%d envelope of %d bytes"
                      % (key_version, len(plaintext)))
                failures += not ok
    sys.exit(1 if failures else 0)


main()
