/**
 * Signed FIT images as `mkimage -r -k DIR [-K UBOOT_DTB]` makes them for
 * ImageBuilder's `signature { algo = "sha1,rsa2048"; }` nodes: each image's
 * data signed (RSA PKCS#1 v1.5 over SHA-1, deterministic), and the public
 * key added to U-Boot's control DTB in U-Boot's pre-computed form.
 */
import { ImageBuilderError } from '../bindings/imagebuilder/imagebuilder-error.js';
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { BlobEditor, findSubnode } from '../fdt/dtb/blob/index.js';

export const FIT_SIGN_ALGO = 'sha1,rsa2048';
const KEY_BITS = 2048;

export function loadSigningKey(pem: Uint8Array, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(pem), format: 'pem' });
  } catch (e) {
    throw new ImageBuilderError('IB_FIT_KEY', `cannot read the private key ${file}: ${(e as Error).message}`, { path: file, hint: 'give a PEM RSA key: openssl genrsa -out HINT.key 2048' });
  }
  if (key.asymmetricKeyType !== 'rsa' || key.asymmetricKeyDetails?.modulusLength !== KEY_BITS) {
    throw new ImageBuilderError('IB_FIT_KEY', `${file} is not a ${KEY_BITS}-bit RSA key, which ${FIT_SIGN_ALGO} needs`, { path: file });
  }
  return key;
}

/** The signature `value` of one image: what mkimage's fit_image_process_sig signs (the data only). */
export function signImage(data: Uint8Array, key: KeyObject): Uint8Array {
  return new Uint8Array(sign('sha1', data, key));
}

function be32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0);
  return b;
}

function bigBytes(v: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

function fromBase64Url(s: string): bigint {
  return BigInt(`0x${Buffer.from(s, 'base64url').toString('hex') || '0'}`);
}

/** -1 / n mod 2^32: Montgomery's n0' that U-Boot's rsa_mod_exp expects. */
function n0Inverse(n: bigint): number {
  const m = 1n << 32n;
  let inv = 1n;
  // Newton iteration doubles the correct low bits each step
  for (let i = 0; i < 5; i++) inv = (inv * (2n - ((n % m) * inv) % m + m)) % m;
  return Number((m - inv) % m);
}

const str = (s: string): Uint8Array => new TextEncoder().encode(`${s}\0`);

/**
 * U-Boot's rsa_add_verify_data: `/signature/key-HINT` with the modulus,
 * R² mod n and n0' precomputed, each property added as libfdt does.
 */
export function addPublicKey(ubootDtb: Uint8Array, key: KeyObject, hint: string, required: 'image' | 'conf' = 'image'): Uint8Array {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const n = fromBase64Url(jwk.n!);
  const e = fromBase64Url(jwk.e!);
  const ed = new BlobEditor(ubootDtb);
  let sig = findSubnode(ed.root, 'signature');
  if (!sig) {
    const made = ed.addSubnode(ed.root, 'signature');
    if (made === 'exists') throw new ImageBuilderError('IB_FIT_KEY', 'cannot add /signature', { path: '/signature' });
    sig = made;
  }
  let node = findSubnode(sig, `key-${hint}`);
  if (!node) {
    const made = ed.addSubnode(sig, `key-${hint}`);
    if (made === 'exists') throw new ImageBuilderError('IB_FIT_KEY', `cannot add /signature/key-${hint}`, { path: '/signature' });
    node = made;
  }
  const bytes = KEY_BITS / 8;
  ed.setprop(node, 'key-name-hint', str(hint));
  ed.setprop(node, 'rsa,num-bits', be32(KEY_BITS));
  ed.setprop(node, 'rsa,n0-inverse', be32(n0Inverse(n)));
  ed.setprop(node, 'rsa,exponent', bigBytes(e, 8));
  ed.setprop(node, 'rsa,modulus', bigBytes(n, bytes));
  ed.setprop(node, 'rsa,r-squared', bigBytes((1n << BigInt(2 * KEY_BITS)) % n, bytes));
  ed.setprop(node, 'algo', str(FIT_SIGN_ALGO));
  ed.setprop(node, 'required', str(required));
  return ed.pack();
}
