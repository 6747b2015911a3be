// Result codes of the flow tables. Exports return 0 (or a handle) on success and the NEGATED code on
// failure (-FLOW_E_EXISTS ...); the codes are positive here so the generated host layout keeps them
// exact. The host maps them to Linux errno at the syscall edge (suggested mapping in comments).

export const FLOW_E_INVAL: u32 = 1; // bad table pointer, handle 0 or >= 2^31, port > 0xffff  -> EINVAL
export const FLOW_E_EXISTS: u32 = 2; // key already present / bound without SO_REUSEPORT on both -> EEXIST or EADDRINUSE
export const FLOW_E_UID: u32 = 3; // SO_REUSEPORT group owned by another uid                 -> EADDRINUSE
export const FLOW_E_NOENT: u32 = 4; // delete of a key or socket that is not there            -> ENOENT
export const FLOW_E_NOMEM: u32 = 5; // the arena could not grow for an overflow block or slot  -> ENOBUFS
export const FLOW_E_FULL: u32 = 6; // the table's flow/socket limit or a group's 65535 limit  -> ENOBUFS
export const FLOW_HANDLE_MAX: u32 = 0x7fff_ffff; // handles are 1..2^31-1 so an i32 return is never negative
