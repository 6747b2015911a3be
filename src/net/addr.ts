// IPv4 addresses as numbers (host order u32, 10.0.0.1 = 0x0a000001) and MAC addresses as 6 bytes.
import { DROP_IP_INVALID_SOURCE, DROP_IP_LOCALNET } from "../generated/layout.js";
export const INADDR_ANY = 0;
export const INADDR_BROADCAST = 0xffff_ffff;
export const INADDR_LOOPBACK = 0x7f00_0001;

export function ipToNumber(s: string): number {
  const p = s.split(".");
  if (p.length !== 4) return Number.NaN;
  let v = 0;
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x)) return Number.NaN;
    const n = Number(x);
    if (n > 255) return Number.NaN;
    v = v * 256 + n;
  }
  return v >>> 0;
}

export function ipToString(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** "10.0.0.0/24" -> { addr, prefix } */
export function parseCidr(s: string): { addr: number; prefix: number } {
  const [a, p] = s.split("/");
  const addr = ipToNumber(a);
  const prefix = p === undefined ? 32 : Number(p);
  if (Number.isNaN(addr) || !(prefix >= 0 && prefix <= 32)) throw new RangeError(`bad IPv4 prefix '${s}'`);
  return { addr, prefix };
}

export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffff_ffff << (32 - prefix)) >>> 0;
}

export function isMulticast(a: number): boolean {
  return a >>> 28 === 0xe;
}

export function isLoopback(a: number): boolean {
  return a >>> 24 === 127;
}

export type Mac = Uint8Array;

export const MAC_BROADCAST: Mac = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
export const MAC_ZERO: Mac = new Uint8Array(6);

export function macToString(m: Mac): string {
  return Array.from(m, (b) => b.toString(16).padStart(2, "0")).join(":");
}

export function macEqual(a: Mac, b: Mac): boolean {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Linux ip_route_input_slow()'s martian checks for a packet off a wire: a 127/8 destination is
 * IP_LOCALNET (net.ipv4.conf.*.route_localnet = 0); a source in 127/8, multicast, the limited
 * broadcast or 0/8 (allowed only towards the limited broadcast: DHCP) is IP_INVALID_SOURCE.
 * 0 when neither. The core's rxBatch has the same rule (assembly/tcp/fastpath.ts martianReason).
 */
export function martianReason(saddr: number, daddr: number): number {
  if (daddr >>> 24 === 127) return DROP_IP_LOCALNET;
  const s8 = saddr >>> 24;
  if (s8 === 127 || s8 >>> 4 === 0xe || saddr >>> 0 === 0xffffffff) return DROP_IP_INVALID_SOURCE;
  if (s8 === 0 && daddr >>> 0 !== 0xffffffff) return DROP_IP_INVALID_SOURCE;
  return 0;
}
