// AF_UNIX, assembled: the family with its stream, datagram and seqpacket operations.

import type { Kernel } from "../kernel.js";
import { UnixFamily } from "./af_unix.js";
import { unixDgramOps, unixSeqpacketOps } from "./dgram.js";
import { unixStreamOps } from "./stream.js";

export { UnixFamily } from "./af_unix.js";
export { UnixSock } from "./sock.js";

export function createUnixFamily(kernel: Kernel): UnixFamily {
  return new UnixFamily(kernel, { stream: unixStreamOps, dgram: unixDgramOps, seqpacket: unixSeqpacketOps });
}
