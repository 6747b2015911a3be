// Small integer handles for host objects that the core's flow tables point at (a table stores a u32
// handle; the host maps it back to its socket). Handles are reused lowest-free-last, never 0.

export class HandleTable<T> {
  private objs: (T | undefined)[] = [undefined];
  private free: number[] = [];

  alloc(obj: T): number {
    const h = this.free.pop() ?? this.objs.length;
    this.objs[h] = obj;
    return h;
  }

  get(h: number): T | undefined {
    return this.objs[h];
  }

  release(h: number): void {
    if (h <= 0 || this.objs[h] === undefined) return;
    this.objs[h] = undefined;
    this.free.push(h);
  }

  get size(): number {
    return this.objs.length - 1 - this.free.length;
  }
}
