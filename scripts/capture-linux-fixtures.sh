#!/usr/bin/env bash
# Captures real Linux frames for wirestack's decoder tests (tests/fixtures/linux/).
#
# Two network namespaces joined by a veth pair, 10.99.0.1/24 <-> 10.99.0.2/24, with fixed
# locally-administered MACs. No traffic leaves the pair: both ends live in namespaces created here.
# TX checksum offload is turned off on both ends, so the kernel computes every IPv4/TCP/UDP/ICMP
# checksum in software and the capture holds final checksums (with offload on, veth leaves TCP/UDP
# checksums "partial" and a capture shows them as bad).
#
# tcpdump captures on the 10.99.0.1 end (nanosecond timestamps) while this script makes:
#   1. ARP request + reply, ICMP echo request + reply     (ping, after flushing the neighbour cache)
#   2. a UDP datagram to a bound port                     (socat, "hello", 40001 -> 7777)
#   3. a UDP datagram to a closed port + the ICMP port unreachable it provokes (40001 -> 7778)
#   4. a TCP connection: SYN (Linux's options), SYN-ACK, ACK, a data segment, FIN exchange
#                                                          (socat, "hello\n", 40000 -> 5555)
#   5. a SYN to a closed port and the RST it provokes     (40002 -> 81)
#
# Outputs (overwritten):
#   linux-ns.pcap         the capture as tcpdump wrote it (magic a1b23c4d, nanosecond timestamps)
#   linux.pcap            the same frames rewritten by tcpdump with microsecond timestamps (a1b2c3d4)
#   linux-raw.pcap        the IPv4 frames only, Ethernet header chopped by editcap, LINKTYPE_RAW (101)
#   linux-ipv4.pcap       the same, LINKTYPE_IPV4 (228)
#   linux.tcpdump.txt     `tcpdump -nn -ttttt -r linux.pcap` (the format oracle for src/tools/print.ts)
#   linux.tcpdump-vv.txt  `tcpdump -nn -vv -ttttt -r linux.pcap` (checksum verdicts by tcpdump)
#   linux.tshark.json     per-frame key fields decoded by tshark with checksum validation on
#   capture-info.txt      kernel and tool versions of the run
#
# Usage (root): scripts/capture-linux-fixtures.sh [outdir]   (default tests/fixtures/linux)
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=${1:-tests/fixtures/linux}
mkdir -p "$OUT"

NS1=wstest-cap1
NS2=wstest-cap2
IP1=10.99.0.1
IP2=10.99.0.2
MAC1=02:00:0a:63:00:01
MAC2=02:00:0a:63:00:02
TMP=$(mktemp -d)
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del "$NS1" 2>/dev/null || true
  ip netns del "$NS2" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

for t in ip ethtool tcpdump tshark editcap socat ping jq; do
  command -v "$t" >/dev/null || { echo "capture-linux-fixtures: needs $t" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "capture-linux-fixtures: run as root (network namespaces)" >&2; exit 1; }

in1() { ip netns exec "$NS1" "$@"; }
in2() { ip netns exec "$NS2" "$@"; }

# Waits (up to ~5 s) until a command succeeds.
waitfor() {
  for _ in $(seq 50); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "capture-linux-fixtures: timed out waiting for: $*" >&2
  return 1
}

# ---- the two hosts --------------------------------------------------------------------------------
ip netns del "$NS1" 2>/dev/null || true
ip netns del "$NS2" 2>/dev/null || true
ip netns add "$NS1"
ip netns add "$NS2"
for ns in "$NS1" "$NS2"; do
  # No IPv6: its router solicitations and MLD reports would only add noise to the capture.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add ws-a netns "$NS1" address "$MAC1" type veth peer name ws-b netns "$NS2" address "$MAC2"
in1 ip addr add "$IP1/24" dev ws-a
in2 ip addr add "$IP2/24" dev ws-b
in1 ethtool -K ws-a tx off >/dev/null
in2 ethtool -K ws-b tx off >/dev/null
in1 ip link set lo up
in2 ip link set lo up
in1 ip link set ws-a up
in2 ip link set ws-b up
waitfor in1 sh -c "ip -br link show ws-a | grep -q UP"
waitfor in2 sh -c "ip -br link show ws-b | grep -q UP"
sleep 0.3

# Services on 10.99.0.2: a UDP sink on 7777 and a TCP sink on 5555 (7778 and 81 stay closed).
# 5555 rather than 80: tcpdump names well-known ports' payloads (": HTTP"), which our printer does not.
in2 socat -u UDP-RECV:7777 OPEN:/dev/null &
PIDS+=($!)
in2 socat -u TCP-LISTEN:5555,reuseaddr OPEN:/dev/null &
PIDS+=($!)
waitfor in2 sh -c "ss -Hlun 'sport = :7777' | grep -q 7777"
waitfor in2 sh -c "ss -Hltn 'sport = :5555' | grep -q 5555"

# ---- capture ------------------------------------------------------------------------------------
in1 ip neigh flush dev ws-a
in2 ip neigh flush dev ws-b
# Started without a shell function around it, so $! is tcpdump itself (ip netns exec execs it).
# --immediate-mode: without it libpcap hands packets over in TPACKET_V3 blocks, and the frames of
# the last block (our RST) can be lost when tcpdump is stopped.
ip netns exec "$NS1" tcpdump -i ws-a -nn -U --immediate-mode -s 0 --time-stamp-precision=nano -w "$TMP/cap.pcap" \
  'arp or ip' 2>"$TMP/tcpdump.err" &
TCPDUMP=$!
PIDS+=("$TCPDUMP")
waitfor grep -q "listening on" "$TMP/tcpdump.err"
sleep 0.2

in1 ping -c 1 -W 2 "$IP2" >/dev/null                                           # 1. ARP + ICMP echo
sleep 0.1
printf 'hello' | in1 socat -u - "UDP-SENDTO:$IP2:7777,sourceport=40001"        # 2. UDP
sleep 0.1
printf 'hello' | in1 socat -u - "UDP-SENDTO:$IP2:7778,sourceport=40001"        # 3. UDP + ICMP unreach
sleep 0.1
printf 'hello\n' | in1 socat -u - "TCP:$IP2:5555,sourceport=40000"               # 4. TCP conversation
sleep 0.3
in1 socat -u /dev/null "TCP:$IP2:81,sourceport=40002" 2>/dev/null && {        # 5. SYN -> RST
  echo "capture-linux-fixtures: port 81 unexpectedly open" >&2; exit 1; }
sleep 0.3

kill -INT "$TCPDUMP"
wait "$TCPDUMP" || true

# Every frame the fixtures promise must be there (in this order), or the run is refused.
expect=("ARP, Request who-has $IP2 tell $IP1" "ARP, Reply $IP2 is-at $MAC2" "ICMP echo request" "ICMP echo reply"
  "$IP1.40001 > $IP2.7777: UDP" "$IP1.40001 > $IP2.7778: UDP" "ICMP $IP2 udp port 7778 unreachable"
  "$IP1.40000 > $IP2.5555: Flags \[S\]" "$IP2.5555 > $IP1.40000: Flags \[S.\]" "$IP1.40000 > $IP2.5555: Flags \[.\]"
  "$IP1.40000 > $IP2.5555: Flags \[P.\]" "$IP2.5555 > $IP1.40000: Flags \[.\]" "$IP1.40000 > $IP2.5555: Flags \[F.\]"
  "$IP2.5555 > $IP1.40000: Flags \[F.\]" "$IP1.40000 > $IP2.5555: Flags \[.\]"
  "$IP1.40002 > $IP2.81: Flags \[S\]" "$IP2.81 > $IP1.40002: Flags \[R.\]")
mapfile -t got < <(tcpdump -nn -r "$TMP/cap.pcap" 2>/dev/null)
if [ "${#got[@]}" -ne "${#expect[@]}" ]; then
  printf '%s\n' "${got[@]}" >&2
  echo "capture-linux-fixtures: captured ${#got[@]} frames, expected ${#expect[@]}" >&2
  exit 1
fi
for i in "${!expect[@]}"; do
  grep -q -- "${expect[$i]}" <<<"${got[$i]}" || {
    echo "capture-linux-fixtures: frame $((i + 1)) is '${got[$i]}', expected '${expect[$i]}'" >&2
    exit 1
  }
done

# ---- outputs ------------------------------------------------------------------------------------
cp "$TMP/cap.pcap" "$OUT/linux-ns.pcap"
# tcpdump reads nanosecond files at microsecond precision by default and writes what it read.
tcpdump -r "$OUT/linux-ns.pcap" -w "$TMP/us.pcap" 2>/dev/null
cp "$TMP/us.pcap" "$OUT/linux.pcap"
tshark -r "$OUT/linux.pcap" -Y ip -F pcap -w "$TMP/ip.pcap" 2>/dev/null
editcap -C 14 -T rawip -F pcap "$TMP/ip.pcap" "$OUT/linux-raw.pcap"
editcap -C 14 -T rawip4 -F pcap "$TMP/ip.pcap" "$OUT/linux-ipv4.pcap"

tcpdump -nn -ttttt -r "$OUT/linux.pcap" >"$OUT/linux.tcpdump.txt" 2>/dev/null
tcpdump -nn -vv -ttttt -r "$OUT/linux.pcap" >"$OUT/linux.tcpdump-vv.txt" 2>/dev/null

fields=(frame.number frame.time_epoch frame.len frame.cap_len eth.src eth.dst eth.type
  arp.opcode arp.src.hw_mac arp.src.proto_ipv4 arp.dst.hw_mac arp.dst.proto_ipv4
  ip.version ip.hdr_len ip.len ip.id ip.flags.df ip.flags.mf ip.frag_offset ip.ttl ip.proto ip.src ip.dst
  ip.checksum ip.checksum.status
  icmp.type icmp.code icmp.ident icmp.seq icmp.checksum icmp.checksum.status
  udp.srcport udp.dstport udp.length udp.checksum udp.checksum.status
  tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.hdr_len tcp.flags tcp.flags.str tcp.window_size_value
  tcp.urgent_pointer tcp.len tcp.option_kind tcp.options.mss_val tcp.options.wscale.shift
  tcp.options.sack_perm tcp.options.timestamp.tsval tcp.options.timestamp.tsecr
  tcp.checksum tcp.checksum.status)
eargs=()
for f in "${fields[@]}"; do eargs+=(-e "$f"); done
# Checksum status: 0 bad, 1 good, 2 unverified (tshark's proto_checksum_enum_e).
tshark -r "$OUT/linux.pcap" -T json -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
  -o udp.check_checksum:TRUE "${eargs[@]}" 2>/dev/null |
  jq '[.[]._source.layers]' >"$OUT/linux.tshark.json"

{
  echo "kernel: $(uname -srvm)"
  echo "tcpdump: $(tcpdump --version 2>&1 | head -1)"
  echo "libpcap: $(tcpdump --version 2>&1 | sed -n 2p)"
  echo "tshark: $(tshark --version 2>/dev/null | head -1)"
  echo "socat: $(socat -V 2>/dev/null | grep -m1 'socat version')"
  echo "ping: $(ping -V 2>&1 | head -1)"
  echo "frames: $(tcpdump -r "$OUT/linux.pcap" 2>/dev/null | wc -l)"
} >"$OUT/capture-info.txt"

cat "$OUT/linux.tcpdump.txt"
