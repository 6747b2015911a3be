#!/usr/bin/env bash
# Capture the text that Linux's own observability tools print for a known set of real sockets, as
# fixtures for the formatters in src/tools/ (proc.ts, ss.ts, lsof.ts).
#
# Runs as root inside a fresh network namespace (unshare --net) so that /proc/net/*, ss and the
# snmp counters show only the sockets this script opens, all on 127.0.0.1. Small python3 processes,
# each renamed with prctl(PR_SET_NAME) so ss and lsof show a known command name, open:
#   nginx         TCP listener 127.0.0.1:8080 (backlog 16, non-blocking, shared with a forked worker
#                 and dup'ed to fd 12345) that accepts one connection and never reads it (Recv-Q),
#                 leaving two more in its accept queue (listener Recv-Q 2)
#   curl          the three clients of nginx and the client of memcached; then one connection to echod closed first by both
#                 sides (TIME-WAIT) and one closed by curl only (FIN-WAIT-2 / CLOSE-WAIT)
#   echod         TCP listener 127.0.0.1:7007 (backlog 8)
#   redis-server  TCP listener 127.0.0.1:6379 (backlog 128) that writes to its one client until the
#                 socket would block (Send-Q, zero window, persist timer)
#   redis-cli     that client, with a 4 KiB SO_RCVBUF, never reading (Recv-Q)
#   memcached     TCP listener 127.100.200.250:11211 (another loopback address: wide columns) with
#                 one accepted connection from curl
#   dnsd          UDP socket bound to 127.0.0.1:5353, never reading (Recv-Q)
#   statsd        UDP socket bound to 127.0.0.123:8125 as uid 4242, which has no account
#   dig           UDP socket connected to dnsd, running as uid 65534 (nobody), sent two datagrams
#   supervisord   Unix stream listener /tmp/wirestack-capture.sock (backlog 5) with one accepted
#                 connection (unread bytes) and one pending; a socketpair with unread bytes
#   supervisorctl the two clients of supervisord
# then saves each tool's output verbatim under tests/fixtures/linux-tools/ and writes sockets.json:
# the sockets as created (ports, states, queues, owners, fds) with the values read from /proc and
# the variable values (timers, kernel pointers, TCP_INFO, skmem) parsed from each captured text, so
# tests can rebuild the same sockets in src/tools/model.ts shapes and compare byte for byte.
# Every process this script starts is killed before it exits.
#
# Usage: sudo scripts/capture-linux-tools.sh [output-dir]
# Needs: root, util-linux (unshare, script), iproute2 (ip, ss), lsof, /usr/bin/python3.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "capture-linux-tools: needs root (a network namespace, other processes' fds)" >&2
  exit 1
fi
for tool in unshare script ip ss lsof /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "capture-linux-tools: missing $tool" >&2; exit 1; }
done

here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../tests/fixtures/linux-tools}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

py="$(mktemp /tmp/wirestack-capture.XXXXXX.py)"
trap 'rm -f "$py"' EXIT

cat >"$py" <<'PYEOF'
import json, os, pwd, grp, re, select, subprocess, sys, time

OUT = sys.argv[1]
PY = "/usr/bin/python3"
UNIX_PATH = "/tmp/wirestack-capture.sock"
ENV = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "LC_ALL": "C", "LANG": "C"}

# Prologue shared by every child: rename the process (comm, as ss and lsof print it); report each
# step on stdout, take "go" on stdin.
PROLOGUE = r'''
import ctypes, os, select, socket, sys, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)   # PR_SET_NAME
def say(msg):
    sys.stdout.write(msg + "\n"); sys.stdout.flush()
def wait_go():
    assert sys.stdin.readline().strip() == "go"
'''

CHILDREN = {
    # An nginx-like server: a master and a forked worker sharing the non-blocking listener (which
    # the master also holds as fd 12345); the master watches it with epoll, accepts one connection
    # and never reads it.
    "nginx": r'''
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 8080))
ls.listen(16)
ls.setblocking(False)
if os.fork() == 0:
    ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)   # PR_SET_PDEATHSIG, SIGKILL: die with the master
    time.sleep(3600)
    os._exit(0)
os.dup2(ls.fileno(), 12345)
ep = select.epoll()
ep.register(ls.fileno(), select.EPOLLIN | select.EPOLLEXCLUSIVE)
say("listening")
ep.poll()
conn, _ = ls.accept()
say("accepted")
time.sleep(3600)
''',
    "curl": r'''
a = socket.create_connection(("127.0.0.1", 8080))
a.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n" + b"X-Pad: " + b"a" * 955 + b"\r\n\r\n")
say("a")
wait_go()
b = socket.create_connection(("127.0.0.1", 8080))
b.sendall(b"GET /b HTTP/1.1\r\nHost: localhost\r\n" + b"X-Pad: " + b"b" * 54 + b"\r\n\r\n")
c = socket.create_connection(("127.0.0.1", 8080))
say("bc")
wait_go()
d = socket.create_connection(("127.0.0.1", 7007))
d.sendall(b"bye\n")
d.close()
say("d")
wait_go()
e = socket.create_connection(("127.0.0.1", 7007))
e.sendall(b"half\n")
e.close()
say("e")
wait_go()
m = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
m.bind(("127.0.0.1", 0))
m.connect(("127.100.200.250", 11211))
m.sendall(b"get k\r\n")
say("m")
time.sleep(3600)
''',
    "echod": r'''
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 7007))
ls.listen(8)
say("listening")
keep = []
for i in range(2):
    conn, _ = ls.accept()
    while conn.recv(4096):
        pass
    if i == 0:
        conn.close()
        say("closed")
    else:
        keep.append(conn)
        say("kept")
time.sleep(3600)
''',
    # A listener on another loopback address (127/8 is all local): wide addresses next to short ones.
    "memcached": r'''
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.100.200.250", 11211))
ls.listen(1024)
say("listening")
conn, _ = ls.accept()
say("accepted")
time.sleep(3600)
''',
    # A uid with no account: lsof and ls print the number.
    "statsd": r'''
os.setgroups([])
os.setgid(4242)
os.setuid(4242)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.123", 8125))
say("bound")
time.sleep(3600)
''',
    "redis-server": r'''
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 6379))
ls.listen(128)
say("listening")
conn, _ = ls.accept()
conn.setblocking(False)
chunk = b"+" + b"r" * 16381 + b"\r\n"
sent = 0
while True:
    try:
        sent += conn.send(chunk)
    except BlockingIOError:
        break
say("full %d" % sent)
time.sleep(3600)
''',
    "redis-cli": r'''
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", 6379))
say("connected")
time.sleep(3600)
''',
    "dnsd": r'''
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 5353))
say("bound")
time.sleep(3600)
''',
    # Runs as nobody; also sends one datagram to a closed port (ICMP port unreachable, NoPorts).
    "dig": r'''
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", 5353))
s.send(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01")
s.send(b"\x56\x78\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x09wirestack\x07invalid\x00\x00\x1c\x00\x01")
t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t.sendto(b"\x9a\xbc\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01", ("127.0.0.1", 9))
t.close()
say("sent")
time.sleep(3600)
''',
    "supervisord": r'''
try:
    os.unlink(sys.argv[2])
except FileNotFoundError:
    pass
ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ls.bind(sys.argv[2])
ls.listen(5)
p, q = socket.socketpair()
p.sendall(b"wakeup 13 b\n")
say("listening")
conn, _ = ls.accept()
say("accepted")
time.sleep(3600)
''',
    "supervisorctl": r'''
a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
a.connect(sys.argv[2])
a.sendall(b"status\n\n\n\n")
say("a")
wait_go()
b = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
b.connect(sys.argv[2])
say("b")
time.sleep(3600)
''',
}

BACKLOG = {8080: 16, 7007: 8, 6379: 128, 11211: 1024}

procs = {}


def start(name, *args):
    p = subprocess.Popen([PY, "-c", PROLOGUE + CHILDREN[name], name, *args],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         env=ENV, text=True, bufsize=1)
    procs[name] = p


def expect(name, prefix, timeout=5.0):
    p = procs[name]
    r, _, _ = select.select([p.stdout], [], [], timeout)
    line = p.stdout.readline().strip() if r else ""
    if not line.startswith(prefix):
        raise SystemExit("capture: %s said %r, expected %r" % (name, line, prefix))
    return line


def go(name):
    procs[name].stdin.write("go\n")
    procs[name].stdin.flush()


def run(argv):
    return subprocess.run(argv, env=ENV, check=True, stdout=subprocess.PIPE).stdout.decode()


def save(fname, text):
    with open(os.path.join(OUT, fname), "w", newline="") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


def cleanup():
    for p in procs.values():
        if p.poll() is None:
            p.kill()
    for p in procs.values():
        p.wait()
    try:
        os.unlink(UNIX_PATH)
    except FileNotFoundError:
        pass


# ---- parsers: the tools' text back into the model's fields (src/tools/model.ts) ----

def hexaddr(s):
    a, p = s.split(":")
    v = int(a, 16)  # the network-order word printed as a host (little-endian) number
    return {"addr": "%d.%d.%d.%d" % (v & 255, (v >> 8) & 255, (v >> 16) & 255, v >> 24), "port": int(p, 16)}


def key_of(local, remote):
    return "%s:%d>%s:%d" % (local["addr"], local["port"], remote["addr"], remote["port"])


def parse_proc_tcp(text):
    """/proc/net/tcp rows: (order, {key: fields}) in model units (ms for timers, us for rto/ato)."""
    order, rows = [], {}
    for line in text.split("\n")[1:]:
        if not line.strip():
            continue
        f = line.split()
        local, remote = hexaddr(f[1]), hexaddr(f[2])
        k = key_of(local, remote)
        tx, rx = (int(x, 16) for x in f[4].split(":"))
        tr, when = f[5].split(":")
        r = {"local": local, "remote": remote, "state": int(f[3], 16), "txQueue": tx, "rxQueue": rx,
             "timer": {"kind": int(tr, 16), "expiresMs": int(when, 16) * 10},
             "uid": int(f[7]), "inode": int(f[9]), "refcnt": int(f[10]), "skAddr": f[11]}
        if len(f) == 12:
            # get_timewait4_sock / get_openreq4: no retransmits, no tcp_info
            r["form"] = "timewait" if r["timer"]["kind"] == 3 else "request"
            r["retransmits"] = int(f[6], 16)
        else:
            r["form"] = "full"
            r["retransmits"] = int(f[6], 16)
            r["probesOut"] = int(f[8])
            qack = int(f[14])
            r["tcp"] = {"rto": int(f[12]) * 10000, "ato": int(f[13]) * 10000, "ackQuick": qack >> 1,
                        "ackPingpong": qack & 1, "sndCwnd": int(f[15])}
            last = int(f[16])
            if r["state"] == 10:
                r["tcp"]["fastOpenMaxQlen"] = last
            else:
                r["tcp"]["sndSsthresh"] = 0x7FFFFFFF if last == -1 else last
        order.append(k)
        rows[k] = r
    return order, rows


def parse_proc_udp(text):
    order, rows = [], {}
    for line in text.split("\n")[1:]:
        if not line.strip():
            continue
        f = line.split()
        local, remote = hexaddr(f[1]), hexaddr(f[2])
        k = key_of(local, remote)
        tx, rx = (int(x, 16) for x in f[4].split(":"))
        rows[k] = {"bucket": int(f[0].rstrip(":")), "local": local, "remote": remote, "state": int(f[3], 16),
                   "txQueue": tx, "rxQueue": rx, "uid": int(f[7]), "inode": int(f[9]), "refcnt": int(f[10]),
                   "skAddr": f[11], "drops": int(f[12])}
        order.append(k)
    return order, rows


def g_to_int(s, scale):
    """Invert ss's %g of value/scale (rtt:0.035 -> 35 us)."""
    return int(round(float(s) * scale))


MS_TIMER = re.compile(r"^(?:(\d+)min)?(?:(\d+)(sec|\.))?(?:(\d+)ms)?$")


def ms_timer(s):
    """Invert ss's print_ms_timer ("1min5sec", "1.234ms", "280ms", "58sec", "")."""
    m = MS_TIMER.match(s)
    mins, secs, sep, ms = m.groups()
    return int(mins or 0) * 60000 + int(secs or 0) * 1000 + int(ms or 0)


def limited_us(busy_ms, part_ms, pct):
    """Microsecond values reproducing 'busy:Bms' and 'part:Pms(X.X%)'."""
    for busy in range(busy_ms * 1000 + 500, busy_ms * 1000 + 1000):
        for part in range(part_ms * 1000, part_ms * 1000 + 1000):
            if part <= busy and "%.1f" % (100.0 * part / busy) == pct:
                return busy, part
    raise SystemExit("capture: no microsecond values give %s%%" % pct)


def parse_tcp_info(text):
    """The -i line of ss (after '\\t'), into struct tcp_info fields (model TcpInfo)."""
    info = {"reordering": 3}
    toks = text.split()
    i = 0
    busy = None
    limits = {}
    while i < len(toks):
        t = toks[i]
        if t in ("send", "pacing_rate", "delivery_rate"):
            v = toks[i + 1]
            i += 2
            if t == "send":
                continue  # derived by ss from cwnd, mss and rtt
            if t == "pacing_rate" and "/" in v:
                v, mx = v.split("/")
                info["maxPacingRate"] = int(mx[:-3]) // 8
            info["pacingRate" if t == "pacing_rate" else "deliveryRate"] = int(v[:-3]) // 8
            continue
        i += 1
        if t.startswith("bbr:("):
            bb = dict(x.split(":", 1) for x in t[5:-1].split(","))
            info["bbr"] = {"bw": int(bb["bw"][:-3]) // 8, "minRtt": g_to_int(bb["mrtt"], 1000),
                           "pacingGain": g_to_int(bb.get("pacing_gain", "0"), 256),
                           "cwndGain": g_to_int(bb.get("cwnd_gain", "0"), 256)}
            continue
        if ":" not in t:
            if t == "app_limited":
                info["deliveryRateAppLimited"] = True
            elif t in ("ts", "sack", "ecn", "ecnseen", "fastopen"):
                info.setdefault("options", []).append(t)
            else:
                info["congestion"] = t
            continue
        k, v = t.split(":", 1)
        if k == "wscale":
            a, b = v.split(",")
            info["sndWscale"], info["rcvWscale"] = int(a), int(b)
            info.setdefault("options", []).append("wscale")
        elif k == "rtt":
            a, b = v.split("/")
            info["rtt"], info["rttvar"] = g_to_int(a, 1000), g_to_int(b, 1000)
        elif k == "retrans":
            a, b = v.split("/")
            info["retrans"], info["totalRetrans"] = int(a), int(b)
        elif k == "busy":
            busy = int(v[:-2])
        elif k in ("rwnd_limited", "sndbuf_limited"):
            m = re.match(r"(\d+)ms\(([\d.]+)%\)", v)
            limits[k] = (int(m.group(1)), m.group(2))
        else:
            name, scale = {
                "rto": ("rto", 1000), "ato": ("ato", 1000), "backoff": ("backoff", 1), "qack": ("qack", 1),
                "mss": ("sndMss", 1), "pmtu": ("pmtu", 1), "rcvmss": ("rcvMss", 1), "advmss": ("advmss", 1),
                "cwnd": ("sndCwnd", 1), "ssthresh": ("sndSsthresh", 1), "bytes_sent": ("bytesSent", 1),
                "bytes_retrans": ("bytesRetrans", 1), "bytes_acked": ("bytesAcked", 1),
                "bytes_received": ("bytesReceived", 1), "segs_out": ("segsOut", 1), "segs_in": ("segsIn", 1),
                "data_segs_out": ("dataSegsOut", 1), "data_segs_in": ("dataSegsIn", 1),
                "lastsnd": ("lastDataSent", 1), "lastrcv": ("lastDataRecv", 1), "lastack": ("lastAckRecv", 1),
                "delivered": ("delivered", 1), "delivered_ce": ("deliveredCe", 1), "unacked": ("unacked", 1),
                "lost": ("lost", 1), "sacked": ("sacked", 1), "dsack_dups": ("dsackDups", 1),
                "fackets": ("fackets", 1), "reordering": ("reordering", 1), "reord_seen": ("reordSeen", 1),
                "rcv_rtt": ("rcvRtt", 1000), "rcv_space": ("rcvSpace", 1), "rcv_ssthresh": ("rcvSsthresh", 1),
                "notsent": ("notsentBytes", 1), "minrtt": ("minRtt", 1000), "rcv_ooopack": ("rcvOoopack", 1),
                "snd_wnd": ("sndWnd", 1),
            }[k]
            info[name] = g_to_int(v, scale) if scale != 1 else int(v)
    if busy is not None:
        info["busyTime"] = busy * 1000
        for k, (ms, pct) in limits.items():
            b, part = limited_us(busy, ms, pct)
            info["busyTime"] = b
            info["rwndLimited" if k == "rwnd_limited" else "sndbufLimited"] = part
    return info


def parse_ss_ext(ext, unix):
    """The Process column of ss (users, timer, -e details, skmem) into model fields."""
    r = {}
    toks = ext.split()
    i = 0
    while i < len(toks):
        t = toks[i]
        i += 1
        if t.startswith("users:("):
            r["owners"] = [{"comm": m.group(1), "pid": int(m.group(2)), "fd": int(m.group(3))}
                           for m in re.finditer(r'\("([^"]*)",pid=(\d+),fd=(\d+)\)', t)]
        elif t.startswith("timer:("):
            name, when, n = t[7:-1].split(",")
            kind = ["off", "on", "keepalive", "timewait", "persist"].index(name)
            r["timer"] = {"kind": kind, "expiresMs": ms_timer(when)}
            r["retransmits" if kind == 1 else "probesOut"] = int(n)
        elif t.startswith("skmem:("):
            v = re.findall(r"[a-z]+(\d+)", t[7:-1])
            names = ["rmemAlloc", "rcvbuf", "wmemAlloc", "sndbuf", "fwdAlloc", "wmemQueued", "optmem", "backlog", "drops"]
            r["skmem"] = dict(zip(names, (int(x) for x in v)))
        elif t in ("<->", "-->", "<--", "---"):
            r["shutdown"] = (1 if t[0] == "-" else 0) | (2 if t[2] == "-" else 0)
        elif t.startswith("uid:"):
            r["uid"] = int(t[4:])
        elif t.startswith("ino:"):
            if unix:
                dev = toks[i]
                i += 1
                major, minor = dev[4:].split("/")
                r["vfs"] = {"ino": int(t[4:]), "major": int(major), "minor": int(minor)}
            else:
                r["inode"] = int(t[4:])
        elif t.startswith("sk:"):
            r["cookie"] = int(t[3:], 16)
        elif t.startswith("cgroup:"):
            r["cgroup"] = t[7:]
        elif t == "peers:":
            r["icons"] = [int(x) for x in toks[i:]]
            i = len(toks)
        else:
            raise SystemExit("capture: unexpected ss text %r" % t)
    return r


def parse_ss(text, unix):
    """ss output -> (order of keys, {key: fields}) ; unix keys are inode numbers."""
    lines = text.split("\n")
    header = lines[0]
    order, rows = [], {}
    cur = None
    for line in lines[1:]:
        if line == "":
            continue
        if line.startswith("\t"):
            rest = line[1:]
            if rest.strip().startswith("skmem:("):
                sk, _, rest = rest.strip().partition(" ")
                cur.update(parse_ss_ext(sk, unix))
            if rest.strip():
                cur["tcp"] = parse_tcp_info(rest)
            continue
        f = line.split()
        i = 0
        row = {}
        if header.startswith("Netid"):
            row["netid"] = f[i]; i += 1
        if " State " in " " + header:
            row["ssState"] = f[i]; i += 1
        row["recvQ"], row["sendQ"] = int(f[i]), int(f[i + 1]); i += 2
        if unix:
            row["name"] = None if f[i] == "*" else f[i]
            row["inode"], row["peerInode"] = int(f[i + 1]), int(f[i + 3])
            i += 4
            k = str(row["inode"])
        else:
            la, lp = f[i].rsplit(":", 1); ra, rp = f[i + 1].rsplit(":", 1); i += 2
            local = {"addr": la, "port": 0 if lp == "*" else int(lp)}
            remote = {"addr": ra, "port": 0 if rp == "*" else int(rp)}
            k = key_of(local, remote)
        row.update(parse_ss_ext(" ".join(f[i:]), unix))
        order.append(k)
        rows[k] = row
        cur = row
    return order, rows


def parse_counters(text):
    """/proc/net/snmp or /proc/net/netstat: {section: {name: value}}, IcmpMsg as {in: {type: n}, out: ...}."""
    out = {}
    lines = text.rstrip("\n").split("\n")
    for names, values in zip(lines[0::2], lines[1::2]):
        sec, names = names.split(":", 1)
        _, values = values.split(":", 1)
        pairs = list(zip(names.split(), (int(v) for v in values.split())))
        if sec == "IcmpMsg":
            msg = out.setdefault("IcmpMsg", {"in": {}, "out": {}})
            for n, v in pairs:
                m = re.match(r"(In|Out)Type(\d+)", n)
                msg[m.group(1).lower()][m.group(2)] = v
        else:
            out[sec] = dict(pairs)
    return out


def main():
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

    # The empty views first: headers only.
    for fname, argv in (("empty_proc_net_tcp.txt", ["cat", "/proc/net/tcp"]),
                        ("empty_proc_net_udp.txt", ["cat", "/proc/net/udp"]),
                        ("empty_ss_tan.txt", ["ss", "-tan"]), ("empty_ss_tuanp.txt", ["ss", "-tuanp"]),
                        ("empty_ss_uan.txt", ["ss", "-uan"]), ("empty_ss_xa.txt", ["ss", "-xa"])):
        save(fname, run(argv))

    start("nginx"); expect("nginx", "listening")
    start("echod"); expect("echod", "listening")
    start("redis-server"); expect("redis-server", "listening")
    start("dnsd"); expect("dnsd", "bound")
    start("memcached"); expect("memcached", "listening")
    start("statsd"); expect("statsd", "bound")
    start("supervisord", UNIX_PATH); expect("supervisord", "listening")

    start("curl"); expect("curl", "a"); expect("nginx", "accepted")
    go("curl"); expect("curl", "bc")
    go("curl"); expect("curl", "d"); expect("echod", "closed")
    go("curl"); expect("curl", "e"); expect("echod", "kept")
    go("curl"); expect("curl", "m"); expect("memcached", "accepted")
    start("redis-cli"); expect("redis-cli", "connected")
    full = expect("redis-server", "full")
    start("dig"); expect("dig", "sent")
    start("supervisorctl", UNIX_PATH); expect("supervisorctl", "a"); expect("supervisord", "accepted")
    go("supervisorctl"); expect("supervisorctl", "b")
    # Let delayed ACKs, window updates and the FIN exchanges settle.
    time.sleep(1.0)

    pids = {name: p.pid for name, p in procs.items()}
    for name in list(pids):
        for child in read("/proc/%d/task/%d/children" % (pids[name], pids[name])).split():
            pids[name + "-worker"] = int(child)
    by_pid = {p: n for n, p in pids.items()}
    captures = {}

    def cap(fname, argv):
        text = run(argv)
        save(fname, text)
        captures[fname] = {"argv": argv, "text": text}
        return text

    # The sockets stay put while this runs (nobody reads or writes); timers and TCP_INFO move, and
    # each capture's values are parsed from that capture's own text below.
    cap("proc_net_tcp.txt", ["cat", "/proc/net/tcp"])
    cap("proc_net_udp.txt", ["cat", "/proc/net/udp"])
    cap("ss_tan.txt", ["ss", "-tan"])
    cap("ss_tlnp.txt", ["ss", "-tlnp"])
    cap("ss_tnpi.txt", ["ss", "-tnpi"])
    cap("ss_tnem.txt", ["ss", "-tnem"])
    cap("ss_tanpiem.txt", ["ss", "-tanpiem"])
    cap("ss_tuanp.txt", ["ss", "-tuanp"])
    cap("ss_uan.txt", ["ss", "-uan"])
    cap("ss_un.txt", ["ss", "-un"])
    cap("ss_uanpem.txt", ["ss", "-uanpem"])
    cap("ss_xa.txt", ["ss", "-xa"])
    cap("ss_4n.txt", ["ss", "-4n"])
    cap("ss_x.txt", ["ss", "-x"])
    cap("ss_xapem.txt", ["ss", "-xapem"])
    # On a terminal ss spreads its columns over the screen width: run it on a pseudo-terminal of a
    # known width (script(1)), with -onlcr so lines end in "\n" as they do on a pipe.
    for cols, flags in ((100, "-tan"), (80, "-tuanp"), (160, "-tnpi"), (120, "-xa")):
        fname = "tty%d_ss_%s.txt" % (cols, flags[1:])
        text = run(["script", "-qec", "stty cols %d -onlcr; exec ss %s" % (cols, flags), "/dev/null"])
        save(fname, text)
        captures[fname] = {"argv": ["ss", flags], "cols": cols, "text": text}
    pidlist = ",".join(str(pids[n]) for n in sorted(pids))
    cap("lsof_i.txt", ["lsof", "-i", "-n", "-P", "-a", "-p", pidlist])
    cap("lsof_i_p_nginx.txt", ["lsof", "-i", "-n", "-P", "-a", "-p", str(pids["nginx"])])
    for name in ("nginx", "curl", "supervisord", "statsd"):
        cap("proc_pid_fd_%s.txt" % name, ["ls", "-l", "/proc/%d/fd" % pids[name]])
    fdinfo = []
    for name, fd in (("nginx", 3), ("nginx", 4), ("nginx", 5), ("nginx", 12345), ("dig", 3), ("supervisord", 3), ("supervisord", 6)):
        fname = "proc_pid_fdinfo_%s_%d.txt" % (name, fd)
        cap(fname, ["cat", "/proc/%d/fdinfo/%d" % (pids[name], fd)])
        fdinfo.append({"file": fname, "process": name, "fd": fd})
    # Counters last: they include everything above.
    cap("proc_net_snmp.txt", ["cat", "/proc/net/snmp"])
    cap("proc_net_netstat.txt", ["cat", "/proc/net/netstat"])

    # ---- facts from /proc (not from the tools' text) ----
    processes = []
    owners = {}
    for name in sorted(pids, key=lambda n: pids[n]):
        pid = pids[name]
        status = read("/proc/%d/status" % pid)
        uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
        gid = int(re.search(r"^Gid:\s+(\d+)", status, re.M).group(1))
        # ls -l shows the fd links' owner: the process's, or root once it changed credentials
        # (no longer dumpable).
        fdst = os.stat("/proc/%d/fd" % pid)
        fds = []
        for fd in sorted(int(x) for x in os.listdir("/proc/%d/fd" % pid)):
            path = "/proc/%d/fd/%d" % (pid, fd)
            target = os.readlink(path)
            lines = read("/proc/%d/fdinfo/%d" % (pid, fd)).splitlines()
            info = dict(l.split(":", 1) for l in lines if not l.startswith("tfd:"))
            e = {"fd": fd, "target": target, "pos": int(info["pos"]), "flags": int(info["flags"], 8),
                 "mntId": int(info["mnt_id"]), "ino": int(info["ino"]), "mtime": int(os.lstat(path).st_mtime)}
            if "scm_fds" in info:
                e["scmFds"] = int(info["scm_fds"])
            tfd = [l for l in lines if l.startswith("tfd:")]
            if tfd:
                e["epoll"] = []
                for l in tfd:
                    m = re.match(r"tfd:\s+(\d+) events:\s+([0-9a-f]+) data:\s+([0-9a-f]+)  pos:(\d+) ino:([0-9a-f]+) sdev:([0-9a-f]+)", l)
                    e["epoll"].append({"tfd": int(m.group(1)), "events": int(m.group(2), 16), "data": m.group(3),
                                       "pos": int(m.group(4)), "ino": int(m.group(5), 16), "sdev": int(m.group(6), 16)})
            fds.append(e)
            m = re.match(r"socket:\[(\d+)\]", target)
            if m:
                owners.setdefault(int(m.group(1)), []).append({"comm": read("/proc/%d/comm" % pid).strip(), "pid": pid, "fd": fd})
        def user(uid):
            try:
                return pwd.getpwuid(uid).pw_name
            except KeyError:
                return None
        def group(gid):
            try:
                return grp.getgrgid(gid).gr_name
            except KeyError:
                return None
        processes.append({"name": name, "comm": read("/proc/%d/comm" % pid).strip(), "pid": pid,
                          "uid": uid, "user": user(uid), "gid": gid, "group": group(gid),
                          "fdOwner": {"user": user(fdst.st_uid) or str(fdst.st_uid),
                                      "group": group(fdst.st_gid) or str(fdst.st_gid)},
                          "fds": fds})

    tcp_order, tcp = parse_proc_tcp(captures["proc_net_tcp.txt"]["text"])
    for r in tcp.values():
        r["owners"] = owners.get(r["inode"], []) if r["inode"] else []
        if r["state"] == 10:
            r["backlog"] = BACKLOG[r["local"]["port"]]
    udp_order, udp = parse_proc_udp(captures["proc_net_udp.txt"]["text"])
    for r in udp.values():
        r["owners"] = owners.get(r["inode"], [])

    # Unix sockets: type, state and path from /proc/net/unix; queues and peers only sock_diag knows
    # (ss); owners from /proc/<pid>/fd.
    unix = {}
    for line in read("/proc/net/unix").splitlines()[1:]:
        f = line.split()
        flags, typ, st, ino = int(f[3], 16), int(f[4], 16), int(f[5], 16), int(f[6])
        if ino == 0:
            continue  # the server end of a connection not accepted yet: ss does not list it
        state = 10 if flags & 0x10000 else {1: 7, 3: 1}.get(st, 7)
        unix[str(ino)] = {"type": {1: "stream", 2: "dgram", 5: "seqpacket"}[typ], "state": state,
                          "inode": ino, "name": f[7] if len(f) > 7 else None, "owners": owners.get(ino, [])}
    xo, xa = parse_ss(captures["ss_xa.txt"]["text"], True)
    for k, r in xa.items():
        unix[k].update({"rxQueue": r["recvQ"], "txQueue": r["sendQ"], "peerInode": r["peerInode"]})

    capture_rows = {}
    for fname, c in captures.items():
        text = c["text"]
        if fname == "proc_net_tcp.txt":
            capture_rows[fname] = {"order": tcp_order, "rows": tcp}
        elif fname == "proc_net_udp.txt":
            capture_rows[fname] = {"order": udp_order, "rows": udp}
        elif "ss_" in fname:
            order, rows = parse_ss(text, "ss_x" in fname)
            capture_rows[fname] = {"order": order, "rows": rows}

    meta = {
        "kernel": run(["uname", "-r"]).strip(),
        "ss": run(["ss", "-V"]).strip(),
        "lsof": re.search(r"revision: (\S+)", subprocess.run(["lsof", "-v"], stderr=subprocess.PIPE, env=ENV).stderr.decode()).group(1),
        "userHz": os.sysconf("SC_CLK_TCK"),
        "unixPath": UNIX_PATH,
        "redisBytesQueued": int(full.split()[1]),
        "pids": pids,
    }
    doc = {
        "meta": meta,
        "processes": processes,
        "tcp": tcp,
        "udp": udp,
        "unix": unix,
        "captures": {k: {"argv": v["argv"], **({"cols": v["cols"]} if "cols" in v else {}), **capture_rows.get(k, {})}
                     for k, v in captures.items()},
        "fdinfo": fdinfo,
        "snmp": parse_counters(captures["proc_net_snmp.txt"]["text"]),
        "netstat": parse_counters(captures["proc_net_netstat.txt"]["text"]),
    }
    save("sockets.json", json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print("capture: wrote %d files to %s" % (len(captures) + 1, OUT))


try:
    main()
finally:
    cleanup()
PYEOF

unshare --net -- /usr/bin/python3 "$py" "$out"
