// The request/response protocol every server model speaks: fixed-size messages, so framing is
// "read exactly REQ_SIZE bytes". The response is a function of every byte of its request, so a
// client notices a response that belongs to another request (or another client).

export const REQ_SIZE = 64;
export const RESP_SIZE = 128;

const enc = new TextEncoder();

/** Request `r` of connection `k` of client `c`: readable text padded to REQ_SIZE. */
export function makeRequest(c: number, k: number, r: number): Uint8Array {
  const out = new Uint8Array(REQ_SIZE).fill(0x2e); // '.'
  out.set(enc.encode(`GET c=${c} k=${k} r=${r} `));
  return out;
}

/** The one right response to `req` (REQ_SIZE bytes): "RSP " then bytes mixed from all of the request. */
export function makeResponse(req: Uint8Array, out = new Uint8Array(RESP_SIZE)): Uint8Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < REQ_SIZE; i++) h = Math.imul(h ^ req[i], 0x01000193);
  out.set(enc.encode("RSP "));
  for (let i = 4; i < RESP_SIZE; i++) {
    h = Math.imul(h ^ req[i % REQ_SIZE], 0x01000193);
    out[i] = (h >>> 24) ^ req[(i * 7) % REQ_SIZE];
  }
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
