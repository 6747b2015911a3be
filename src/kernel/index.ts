// The kernel's public surface: Kernel, processes and the syscall API, Linux constants and errno,
// and the socket-layer types a protocol family implements.

export { ClockEvent, NSEC_PER_MSEC, NSEC_PER_SEC, NSEC_PER_USEC } from "./clock.js";
export * from "./constants.js";
export { type EpollStore, WasmEpollStore } from "./epollstore.js";
export * from "./errno.js";
export { ANON_INODE_MNT_ID, eventfdFileOps } from "./eventfd.js";
export {
  EP_MAX_EVENTS,
  EP_MAX_NESTS,
  type EpItem,
  type EpollEvent,
  Eventpoll,
  eventpollFileOps,
  eventpollOf,
  isEpollFile,
} from "./eventpoll.js";
export { FdTable } from "./fdtable.js";
export type { FileOperations, FileWatch, SysResult } from "./file.js";
export { File } from "./file.js";
export { UIO_MAXIOV } from "./iov.js";
export { Kernel, type KernelOptions, StallError, type Sysctl } from "./kernel.js";
export {
  type FdInfo,
  NOFILE_HARD_DEFAULT,
  NOFILE_SOFT_DEFAULT,
  Process,
  ProcessExit,
  type ProcessMain,
  type ProcState,
  type SignalDisposition,
  type SpawnOptions,
} from "./process.js";
export { Rng } from "./rng.js";
export { DEFAULT_POLLMASK, FdSet, type PollFd, vfsPoll } from "./select.js";
export {
  READABLE_KEY,
  SOCK_MIN_RCVBUF,
  SOCK_MIN_SNDBUF,
  Sock,
  type Ucred,
  WRITABLE_KEY,
} from "./sock.js";
export {
  type AddrOut,
  type MsgHdr,
  type NetProtoFamily,
  type ProtoOps,
  SOCKFS_MNT_ID,
  type SockAddr,
  type SockAddrIn,
  type SockAddrUn,
  type SockAddrUnspec,
  Socket,
  sockFromFile,
  sockNoAccept,
  sockNoListen,
  sockNoSocketpair,
} from "./socket.js";
export { sockfdLookup, withFileRef } from "./socketcalls.js";
export type { Linger, OptOut, OptVal, Timeval } from "./sockopt.js";
export { Capture, PIPEFS_MNT_ID } from "./stdio.js";
export {
  RawSys,
  type Rlimit,
  type StatusOut,
  Sys,
  WEXITSTATUS,
  WIFEXITED,
  WIFSIGNALED,
  WTERMSIG,
} from "./syscalls.js";
export { Timer, TimerWheel } from "./timers.js";
export { UnixFamily, UnixSock } from "./unix/index.js";
export type { Inode, Vfs } from "./vfs.js";
export {
  blockOn,
  blockOnUntil,
  hrSleep,
  MAX_SCHEDULE_TIMEOUT,
  Sleeper,
  WAKE_EVENT,
  WAKE_KILL,
  WAKE_SIGNAL,
  WAKE_TIMEOUT,
  WaitOn,
} from "./wait.js";
export { WAKE_ALL, WaitEntry, WaitQueue, WQ_FLAG_EXCLUSIVE } from "./waitqueue.js";
