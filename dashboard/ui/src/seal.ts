// Sealing in the browser (docs/sealing.md): HPKE base mode, DHKEM(P-256, HKDF-SHA256),
// HKDF-SHA256, AES-256-GCM, on WebCrypto through @hpke/core, to the cluster's public sealing
// key; `info` binds each value to its namespace, kind, name and item. The plaintext never
// leaves the page: only the sealed value is sent to the dashboard server.
import { Aes256Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';

export interface SealingKey {
  keyId: string;       // 16 hex digits
  publicKey: string;   // base64 of the 65-byte uncompressed P-256 point
}

const utf8 = new TextEncoder();
const suite = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

function field(text: string): Uint8Array {
  const bytes = utf8.encode(text);
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function sealedInputInfo(namespace: string, kind: 'Connection' | 'Secret', name: string, item: string): Uint8Array {
  return concat(['dragops.io/sealed-input/v1', namespace, kind, name, item].map(field));
}

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export async function seal(key: SealingKey, namespace: string, kind: 'Connection' | 'Secret', name: string,
                           item: string, plaintext: string): Promise<string> {
  if (!globalThis.crypto?.subtle) throw new Error('this page is not a secure context (use https or localhost): WebCrypto is unavailable');
  const publicKey = fromBase64(key.publicKey);
  const id = new Uint8Array(await crypto.subtle.digest('SHA-256', publicKey)).subarray(0, 8);
  if (publicKey.length !== 65 || hex(id) !== key.keyId) throw new Error('the cluster sealing key does not match its key id');
  const recipientPublicKey = await suite.kem.deserializePublicKey(publicKey);
  const sealed = await suite.seal({ recipientPublicKey, info: sealedInputInfo(namespace, kind, name, item) },
    utf8.encode(plaintext));
  return toBase64(concat([new Uint8Array([0x01]), id, new Uint8Array(sealed.enc), new Uint8Array(sealed.ct)]));
}
