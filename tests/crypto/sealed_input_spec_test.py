#!/usr/bin/env python3
"""docs/sealing.md (the sealed-value bytes, the info binding, the text form) reimplemented
independently: HPKE base mode (RFC 9180) with DHKEM(P-256, HKDF-SHA256), HKDF-SHA256 and
AES-256-GCM on Python `cryptography`, opening what `dragopsctl seal` makes, one value from stdin
and a manifest. Skips (exit 77) when the module is absent. Usage: sealed_input_spec_test.py DRAGOPSCTL"""
import base64, hashlib, hmac, os, re, struct, subprocess, sys, tempfile

try:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:
    print("skip: python3 cryptography module not installed")
    sys.exit(77)

CTL = sys.argv[1]
KEM_SUITE = b"KEM" + struct.pack(">H", 0x0010)
HPKE_SUITE = b"HPKE" + struct.pack(">HHH", 0x0010, 0x0001, 0x0002)


def extract(salt, ikm):
    return hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()


def expand(prk, info, length):
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out, counter = out + block, counter + 1
    return out[:length]


def labeled_extract(suite, salt, label, ikm):
    return extract(salt, b"HPKE-v1" + suite + label + ikm)


def labeled_expand(suite, prk, label, info, length):
    return expand(prk, struct.pack(">H", length) + b"HPKE-v1" + suite + label + info, length)


def info_for(namespace, kind, name, item):
    """docs/sealing.md: field(label) || field(namespace) || field(kind) || field(name) || field(item)."""
    fields = [b"dragops.io/sealed-input/v1"] + [p.encode() for p in (namespace, kind, name, item)]
    return b"".join(struct.pack(">I", len(f)) + f for f in fields)


def spec_open(private_key, text, info):
    assert re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", text), "one line of base64"
    value = base64.b64decode(text, validate=True)
    public = private_key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert value[0] == 1, "format version 1"
    assert value[1:9] == hashlib.sha256(public).digest()[:8], "key id = SHA-256(public key)[:8]"
    enc, ciphertext = value[9:74], value[74:]
    peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), enc)
    dh = private_key.exchange(ec.ECDH(), peer)
    eae_prk = labeled_extract(KEM_SUITE, b"", b"eae_prk", dh)
    shared_secret = labeled_expand(KEM_SUITE, eae_prk, b"shared_secret", enc + public, 32)
    context = bytes([0]) + labeled_extract(HPKE_SUITE, b"", b"psk_id_hash", b"") + \
        labeled_extract(HPKE_SUITE, b"", b"info_hash", info)
    secret = labeled_extract(HPKE_SUITE, shared_secret, b"secret", b"")
    key = labeled_expand(HPKE_SUITE, secret, b"key", context, 32)
    nonce = labeled_expand(HPKE_SUITE, secret, b"base_nonce", context, 12)
    return AESGCM(key).decrypt(nonce, ciphertext, b"")


def main():
    failures = 0

    def check(name, ok):
        nonlocal failures
        print(("ok   " if ok else "FAIL ") + name)
        failures += 0 if ok else 1

    private_key = ec.generate_private_key(ec.SECP256R1())
    public = private_key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    with tempfile.TemporaryDirectory() as work:
        key_file = os.path.join(work, "public-key")
        with open(key_file, "w") as f:
            f.write(base64.b64encode(public).decode() + "\n")
        target = ["--namespace", "team-a", "--kind", "Connection", "--name", "jira", "--item", "api_token"]
        for plaintext in [b"", "h\u00e9llo w\u00f6rld".encode(), os.urandom(4096)]:
            run = subprocess.run([CTL, "seal", "--public-key", key_file] + target, input=plaintext, capture_output=True)
            check("dragopsctl seals %d bytes" % len(plaintext), run.returncode == 0)
            text = run.stdout.decode().strip()
            check("it opens as documented to the same %d bytes" % len(plaintext),
                  spec_open(private_key, text, info_for("team-a", "Connection", "jira", "api_token")) == plaintext)
            for other in [("team-b", "Connection", "jira", "api_token"), ("team-a", "Secret", "jira", "api_token"),
                          ("team-a", "Connection", "jira2", "api_token"), ("team-a", "Connection", "jira", "email")]:
                try:
                    spec_open(private_key, text, info_for(*other))
                    check("it does not open as %s" % "/".join(other), False)
                except Exception:
                    check("it does not open as %s" % "/".join(other), True)

        manifest = os.path.join(work, "secret.yaml")
        with open(manifest, "w") as f:
            f.write("apiVersion: dragops.io/v1alpha1\nkind: Secret\nmetadata: {name: db-password, namespace: team-a}\n"
                    "spec:\n  environments:\n    production: {value: \"s3cret: with colon\"}\n")
        run = subprocess.run([CTL, "seal", "--public-key", key_file, "-f", manifest], capture_output=True)
        check("dragopsctl seals a manifest", run.returncode == 0)
        found = re.search(r"sealedValue: ([A-Za-z0-9+/]+={0,2})", run.stdout.decode())
        check("the manifest has a sealedValue", found is not None)
        if found:
            check("it opens as the Secret's environment",
                  spec_open(private_key, found.group(1), info_for("team-a", "Secret", "db-password", "production"))
                  == b"s3cret: with colon")
        check("no plaintext in the sealed manifest", b"s3cret" not in run.stdout)
    print("sealed_input_spec_test: %s" % ("all checks passed" if failures == 0 else "%d failure(s)" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
