// One turn of the host event loop. Every microtask queued before it (every process's promise
// chain woken so far) has run by the time it resolves. Node: setImmediate (a few microseconds);
// browsers: a MessageChannel message (setTimeout(0) is clamped to >= 1-4 ms there); else setTimeout.

type Immediate = (cb: () => void) => unknown;

const setImmediateFn: Immediate | undefined = (globalThis as { setImmediate?: Immediate }).setImmediate;

let channel: MessageChannel | null = null;
const waiting: (() => void)[] = [];

function viaChannel(): Promise<void> {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const r = waiting.shift();
      r?.();
    };
  }
  const ch = channel;
  return new Promise((resolve) => {
    waiting.push(resolve);
    ch.port2.postMessage(0);
  });
}

export function macrotask(): Promise<void> {
  if (setImmediateFn) return new Promise((resolve) => setImmediateFn(resolve));
  if (typeof MessageChannel === "function") return viaChannel();
  return new Promise((resolve) => setTimeout(resolve, 0));
}
