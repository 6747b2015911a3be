// Stable identities for engine objects that Linux shows by kernel address (%pK in /proc/net/tcp) or
// by socket cookie (ss -e sk:<hex>): a number handed out the first time a view meets the object,
// the same for as long as it lives.
import { hashedPointer } from "../model.js";

const ids = new WeakMap<object, number>();
let nextId = 1;

/** The object's id (1, 2, 3 ... in the order views first saw them). */
export function objectId(o: object): number {
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}

/** The object's kernel address as /proc prints it. */
export function skAddr(o: object): string {
  return hashedPointer(objectId(o));
}
