// The wirestack core: everything done per packet, over one linear memory.
//
// Runtime: built with AssemblyScript's "stub" runtime on purpose. The core allocates nothing from a
// managed heap (descriptors, buffers and tables are slabs in the memory map, handles are integers),
// so a collector would only add write barriers, pinning and a shadow stack to every hot path.
// Exports take and return integers: handles, lengths, or negative drop reasons / errno values.
export * from "./memory";
export * from "./dropreason";
export * from "./arena";
export * from "./checksum";
export * from "./skb";
export * from "./skbqueue";
export * from "./wire/ethernet";
export * from "./wire/arp";
export * from "./wire/ipv4";
export * from "./wire/icmp";
export * from "./wire/udp";
export * from "./wire/tcp";
export * from "./wire/frame";
export * from "./ring";
export * from "./flow/codes";
export * from "./flow/flowhash";
export * from "./flow/ehash";
export * from "./flow/lhash";
export * from "./flow/udptab";
export * from "./epoll";
export * from "./tcp/fastpath";
