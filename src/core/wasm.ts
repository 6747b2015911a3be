// Instantiates the core in Node and in browsers alike: no `node:` imports here. The platform entries
// (src/node.ts, src/browser.ts) only fetch the bytes.
//
// Why neither @assemblyscript/loader nor asc's generated ESM bindings: the core is built with the stub
// runtime and every export takes and returns integers, so there are no strings or arrays to lift; the
// loader is deprecated upstream and its wrappers cost a call on hot paths, and the ESM bindings
// re-wrap every export (u32 `>>> 0`, u64 BigInt) and locate the .wasm themselves. We keep asc's typed
// declarations (scripts/gen-layout.mjs turns them into WasmExports) and call raw exports directly.
import {
  COUNTER_SIZE,
  COUNTERS_OFFSET,
  DROP_REASON_MAX,
  DROP_REASON_NAMES,
  type WasmExports,
} from "../generated/layout.js";

export type WasmSource = BufferSource | WebAssembly.Module;

/** Thrown when the core aborts (an assertion in a debug build). The instance is unusable after it. */
export class CoreAbortError extends Error {
  readonly code = "ECOREABORT";
}

/**
 * One instance of the core and the host's views of its memory. Views are re-derived whenever
 * `memory.grow` has replaced the buffer: read them through `u8` / `u32` / `dv`, never cache them
 * across a call that may grow memory (coreInit, arenaAlloc, table growth). The memory is not shared,
 * so growing detaches the old buffer and its views read as empty: the getters test that (a field
 * read) instead of asking `memory.buffer` (an API call) on every access of a hot path.
 */
export class Core {
  readonly x: WasmExports;
  private buf: ArrayBuffer;
  private _u8: Uint8Array;
  private _u16: Uint16Array;
  private _u32: Uint32Array;
  private _dv: DataView;

  constructor(exports: WasmExports) {
    this.x = exports;
    this.buf = exports.memory.buffer;
    this._u8 = new Uint8Array(this.buf);
    this._u16 = new Uint16Array(this.buf);
    this._u32 = new Uint32Array(this.buf);
    this._dv = new DataView(this.buf);
  }

  private refresh(): void {
    const b = this.x.memory.buffer;
    if (b === this.buf) return;
    this.buf = b;
    this._u8 = new Uint8Array(b);
    this._u16 = new Uint16Array(b);
    this._u32 = new Uint32Array(b);
    this._dv = new DataView(b);
  }

  get u8(): Uint8Array {
    if (this._u8.byteLength === 0) this.refresh();
    return this._u8;
  }
  get u16(): Uint16Array {
    if (this._u8.byteLength === 0) this.refresh();
    return this._u16;
  }
  get u32(): Uint32Array {
    if (this._u8.byteLength === 0) this.refresh();
    return this._u32;
  }
  get dv(): DataView {
    if (this._u8.byteLength === 0) this.refresh();
    return this._dv;
  }

  /** A u64 counter from the COUNTERS region, as a number (exact below 2^53). */
  counter(index: number): number {
    return Number(this.dv.getBigUint64(COUNTERS_OFFSET + index * COUNTER_SIZE, true));
  }

  /** Drop counters by Linux reason name, only the non-zero ones. */
  drops(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let r = 1; r < DROP_REASON_MAX; r++) {
      const n = this.counter(r);
      if (n > 0) out[DROP_REASON_NAMES[r]] = n;
    }
    return out;
  }
}

function readAbortString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return "";
  const u8 = new Uint8Array(memory.buffer);
  const len = new Uint32Array(memory.buffer, ptr - 4, 1)[0] >>> 1; // AS strings: UTF-16, byte length at -4
  let s = "";
  for (let i = 0; i < len; i++) s += String.fromCharCode(u8[ptr + 2 * i] | (u8[ptr + 2 * i + 1] << 8));
  return s;
}

/** Instantiates the core from its bytes or a compiled module and lays out the memory map. */
export async function instantiateCore(source: WasmSource): Promise<Core> {
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    env: {
      abort(msg: number, file: number, line: number, col: number): never {
        const m = memory
          ? `${readAbortString(memory, msg)} at ${readAbortString(memory, file)}:${line}:${col}`
          : "";
        throw new CoreAbortError(`wirestack core aborted: ${m}`);
      },
    },
  };
  const instance =
    source instanceof WebAssembly.Module
      ? await WebAssembly.instantiate(source, imports)
      : (await WebAssembly.instantiate(source, imports)).instance;
  const exports = instance.exports as unknown as WasmExports;
  memory = exports.memory;
  const rc = exports.coreInit();
  if (rc !== 0)
    throw new Error(`wirestack core failed to initialise its memory map (coreInit returned ${rc})`);
  return new Core(exports);
}
