// Options and addresses of the Node `net` adapter (EngineNet, EngineSocket, EngineServer): net's
// option shapes, restricted to what the engine has (IPv4 literals, no resolver).
import { AF_INET } from "../kernel/constants.js";
import type { SockAddrIn } from "../kernel/socket.js";
import { ipToNumber } from "../net/addr.js";

/** Options of EngineNet.connect / createConnection, as net.connect's (IPv4 literals only). */
export interface EngineConnectOptions {
  port: number;
  host?: string;
  localAddress?: string;
  localPort?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  allowHalfOpen?: boolean;
  timeout?: number;
}

/** What http.request hands to createConnection (ClientRequestArgs' fields that matter here). */
export interface LooseConnectOptions {
  port?: number | string | null;
  host?: string | null;
  hostname?: string | null;
  localAddress?: string | null;
  localPort?: number | null;
  noDelay?: boolean | null;
  keepAlive?: boolean | null;
  timeout?: number | null;
}

export interface EngineServerOptions {
  allowHalfOpen?: boolean;
  /** TCP_NODELAY on accepted sockets (http.createServer's default is true). */
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}

export interface EngineListenOptions {
  port?: number;
  host?: string;
  backlog?: number;
}

export interface AddressInfo {
  address: string;
  family: "IPv4";
  port: number;
}

export function sockAddr(host: string, port: number): SockAddrIn {
  return { family: AF_INET, addr: host, port };
}

/** Engine addresses are IPv4 literals; "localhost" is the loopback address as in /etc/hosts. */
export function resolveHost(host: string | undefined): string | null {
  const h = host === undefined || host === "" || host === "localhost" ? "127.0.0.1" : host;
  return Number.isNaN(ipToNumber(h)) ? null : h;
}
