// The independent side of the HPKE interop test: @hpke/core (RFC 9180 on WebCrypto), pinned in
// package.json / package-lock.json and installed by setup.sh. Every value is hex.
//
//   node interop.mjs keygen                      -> {"private_key", "public_key"}
//   node interop.mjs derive IKM                  -> the same, by DeriveKeyPair (fuzz/README.md's seeds)
//   node interop.mjs seal PUBLIC_KEY CASES       -> [{"enc", "ct", "exported", "sealed_value"}, ...]
//   node interop.mjs open PRIVATE_KEY PUBLIC_KEY CASES SEALED
//       opens what the other side sealed for each case (raw HPKE with the case's AEAD, its export,
//       and the sealed value of docs/sealing.md); exits 1 on any mismatch.
//
// CASES is cases.json: [{"name", "aead" (1 or 2), "info", "aad", "pt", "exporter_context", "L"}].
// DRAGOPS_HPKE_INTEROP_DIR is where setup.sh installed the package.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const installDir = process.env.DRAGOPS_HPKE_INTEROP_DIR
  || join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../../.cache/hpke-interop');
const require = createRequire(join(installDir, 'package.json'));
const { Aes128Gcm, Aes256Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } =
  await import(pathToFileURL(require.resolve('@hpke/core')).href);

const hex = (bytes) => Buffer.from(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes).toString('hex');
const bytes = (text) => new Uint8Array(Buffer.from(text, 'hex'));
const suite = (aead) => new CipherSuite({
  kem: new DhkemP256HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: aead === 1 ? new Aes128Gcm() : new Aes256Gcm(),
});

// docs/sealing.md: 0x01 || key id (SHA-256(pkR)[0:8]) || enc (65) || ciphertext || tag.
const kVersion = 0x01;
const keyId = (publicKey) => createHash('sha256').update(publicKey).digest().subarray(0, 8);

async function keygen() {
  const s = suite(2);
  const pair = await s.kem.generateKeyPair();
  return {
    private_key: hex(await s.kem.serializePrivateKey(pair.privateKey)),
    public_key: hex(await s.kem.serializePublicKey(pair.publicKey)),
  };
}

async function derive(ikmHex) {
  const s = suite(2);
  const pair = await s.kem.deriveKeyPair(bytes(ikmHex));
  return {
    private_key: hex(await s.kem.serializePrivateKey(pair.privateKey)),
    public_key: hex(await s.kem.serializePublicKey(pair.publicKey)),
  };
}

async function seal(publicKeyHex, cases) {
  const out = [];
  for (const c of cases) {
    const s = suite(c.aead);
    const recipientPublicKey = await s.kem.deserializePublicKey(bytes(publicKeyHex));
    const sender = await s.createSenderContext({ recipientPublicKey, info: bytes(c.info) });
    const ct = await sender.seal(bytes(c.pt), bytes(c.aad));
    const exported = c.L > 0 ? hex(await sender.export(bytes(c.exporter_context), c.L)) : '';
    // The sealed value is always AES-256-GCM, single-shot.
    const sealed = await suite(2).seal({ recipientPublicKey, info: bytes(c.info) }, bytes(c.pt), bytes(c.aad));
    const value = Buffer.concat([Buffer.from([kVersion]), keyId(bytes(publicKeyHex)),
      Buffer.from(sealed.enc), Buffer.from(sealed.ct)]);
    out.push({ enc: hex(sender.enc), ct: hex(ct), exported, sealed_value: hex(value) });
  }
  return out;
}

// The plaintext as hex, or null if opening threw.
async function opened(open) {
  try {
    return hex(await open());
  } catch {
    return null;
  }
}

// Opening must fail; true if it did.
async function refuses(open) {
  try {
    await open();
    return false;
  } catch {
    return true;
  }
}

async function open(privateKeyHex, publicKeyHex, cases, sealed) {
  const failures = [];
  const check = (name, ok) => { if (!ok) failures.push(name); };
  if (sealed.length !== cases.length) throw new Error(`${sealed.length} sealed results for ${cases.length} cases`);
  for (const [i, c] of cases.entries()) {
    const got = sealed[i];
    const s = suite(c.aead);
    const recipientKey = {
      privateKey: await s.kem.deserializePrivateKey(bytes(privateKeyHex)),
      publicKey: await s.kem.deserializePublicKey(bytes(publicKeyHex)),
    };
    const recipient = await s.createRecipientContext({ recipientKey, enc: bytes(got.enc), info: bytes(c.info) });
    check(`${c.name}: raw HPKE opens to the plaintext`,
      await opened(() => recipient.open(bytes(got.ct), bytes(c.aad))) === c.pt);
    if (c.L > 0) {
      check(`${c.name}: export`, hex(await recipient.export(bytes(c.exporter_context), c.L)) === got.exported);
    }
    check(`${c.name}: raw HPKE refuses another info`, await refuses(async () => {
      const other = await s.createRecipientContext({ recipientKey, enc: bytes(got.enc), info: bytes(c.info + '21') });
      await other.open(bytes(got.ct), bytes(c.aad));
    }));

    const value = Buffer.from(got.sealed_value, 'hex');
    check(`${c.name}: sealed value version`, value[0] === kVersion);
    check(`${c.name}: sealed value names this key`, value.subarray(1, 9).equals(keyId(bytes(publicKeyHex))));
    const params = { recipientKey, enc: value.subarray(9, 74), info: bytes(c.info) };
    check(`${c.name}: sealed value opens to the plaintext`,
      await opened(() => suite(2).open(params, value.subarray(74), bytes(c.aad))) === c.pt);
    check(`${c.name}: sealed value refuses another aad`,
      await refuses(() => suite(2).open(params, value.subarray(74), bytes(c.aad + '21'))));
  }
  for (const f of failures) console.error(`FAILED: ${f}`);
  console.error(`node opened ${cases.length} raw HPKE messages and ${cases.length} sealed values from the other side: `
    + `${failures.length} failed checks`);
  return failures.length === 0;
}

const [command, ...args] = process.argv.slice(2);
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
if (command === 'keygen') {
  console.log(JSON.stringify(await keygen()));
} else if (command === 'derive' && args.length === 1) {
  console.log(JSON.stringify(await derive(args[0])));
} else if (command === 'seal' && args.length === 2) {
  console.log(JSON.stringify(await seal(args[0], readJson(args[1]))));
} else if (command === 'open' && args.length === 4) {
  process.exit((await open(args[0], args[1], readJson(args[2]), readJson(args[3]))) ? 0 : 1);
} else {
  console.error('usage: interop.mjs keygen | derive IKM | seal PUBLIC_KEY CASES | open PRIVATE_KEY PUBLIC_KEY CASES SEALED');
  process.exit(2);
}
