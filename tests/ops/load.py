#!/usr/bin/python3
"""load.py - the HTTP client of the operations tests (tests/ops/*.sh).

Standard library only; talks to 127.0.0.1 and nothing else.

  load.py login URL USER PASSWORD
      print a bearer token

  load.py write URL TOKEN COMMUNITIES OUTDIR [--conns N] [--seconds S] [--stop-file F]
      POST new grids (`COMMUNITY + "9NN"`, suffixes 900..999 of every
      community listed one per line in COMMUNITIES) over N keep-alive
      connections until the codes, S seconds or the server run out, or the
      file F appears. Every
      code is written to OUTDIR/sent before its request goes out and to
      OUTDIR/acked once the server answered 201; both files are flushed line
      by line, so they are right even when the server is killed mid-request.
      OUTDIR/summary.json says how the load ended. A connection that fails
      ends its worker: after `kill -9` nothing will answer again.

  load.py get URL TOKEN CODES
      GET /api/v1/regions/CODE for every code in the file; exit 1 and name
      the codes that do not answer 200 with that code.

  load.py compare ACKED SENT FOUND
      The found set (codes in the database) must hold every acknowledged
      code and nothing that was never sent.
"""
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse


def connect(url):
    u = urllib.parse.urlsplit(url)
    if u.hostname != "127.0.0.1":
        sys.exit("load.py: only 127.0.0.1 is allowed, got %s" % url)
    return http.client.HTTPConnection("127.0.0.1", u.port, timeout=20)


def call(conn, method, path, token=None, body=None):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    raw = resp.read()
    return resp.status, raw


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def cmd_login(url, user, password):
    conn = connect(url)
    status, raw = call(conn, "POST", "/api/v1/session",
                       body={"username": user, "password": password})
    if status != 201:
        sys.exit("load.py: login as %s answered %d: %s" % (user, status, raw[:300]))
    print(json.loads(raw)["token"])


def cmd_write(url, token, communities_file, outdir, conns, seconds, stop_file):
    communities = read_lines(communities_file)
    # interleave communities so concurrent requests spread over many parents
    codes = [c + "%03d" % s for s in range(900, 1000) for c in communities]
    lock = threading.Lock()
    it = iter(codes)
    deadline = time.monotonic() + seconds
    sent_f = open(os.path.join(outdir, "sent"), "w", encoding="utf-8")
    acked_f = open(os.path.join(outdir, "acked"), "w", encoding="utf-8")
    stats = {"sent": 0, "acked": 0, "other_status": {}, "conn_errors": 0,
             "ended_by": {"codes": 0, "time": 0, "stop_file": 0, "conn_error": 0}}
    first_other = []

    def worker():
        conn = connect(url)
        ended = "codes"
        while True:
            if time.monotonic() > deadline:
                ended = "time"
                break
            if stop_file and os.path.exists(stop_file):
                ended = "stop_file"
                break
            with lock:
                code = next(it, None)
                if code is None:
                    break
                sent_f.write(code + "\n")
                sent_f.flush()
                stats["sent"] += 1
            body = {"parent": code[:12], "code": code, "name": "压测网格 " + code[12:],
                    "level": "grid"}
            try:
                status, raw = call(conn, "POST", "/api/v1/regions", token, body)
            except (OSError, http.client.HTTPException):
                with lock:
                    stats["conn_errors"] += 1
                ended = "conn_error"
                break
            with lock:
                if status == 201:
                    acked_f.write(code + "\n")
                    acked_f.flush()
                    stats["acked"] += 1
                else:
                    k = str(status)
                    stats["other_status"][k] = stats["other_status"].get(k, 0) + 1
                    if len(first_other) < 3:
                        first_other.append("%s %d %s" % (code, status, raw[:200]))
        conn.close()
        with lock:
            stats["ended_by"][ended] += 1

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent_f.close()
    acked_f.close()
    stats["first_other"] = first_other
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(stats, f)
    print(json.dumps(stats, ensure_ascii=False))


def cmd_get(url, token, codes_file):
    codes = read_lines(codes_file)
    lock = threading.Lock()
    it = iter(codes)
    bad = []

    def worker():
        conn = connect(url)
        while True:
            with lock:
                code = next(it, None)
            if code is None:
                break
            try:
                status, raw = call(conn, "GET", "/api/v1/regions/" + code, token)
                ok = status == 200 and json.loads(raw).get("code") == code
            except (OSError, http.client.HTTPException, ValueError) as e:
                status, ok = str(e), False
                conn.close()
                conn = connect(url)
            if not ok:
                with lock:
                    bad.append("%s (%s)" % (code, status))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if bad:
        print("%d of %d codes do not answer 200: %s" % (len(bad), len(codes), " ".join(bad[:10])))
        sys.exit(1)
    print("%d codes answer 200" % len(codes))


def cmd_compare(acked_file, sent_file, found_file):
    acked, sent, found = (set(read_lines(p)) for p in (acked_file, sent_file, found_file))
    lost = sorted(acked - found)
    phantom = sorted(found - sent)
    print("acked %d, sent %d, in database %d (in doubt and committed: %d)"
          % (len(acked), len(sent), len(found), len(found - acked)))
    if lost:
        print("LOST acknowledged writes: %d, e.g. %s" % (len(lost), " ".join(lost[:10])))
    if phantom:
        print("rows that were never sent: %d, e.g. %s" % (len(phantom), " ".join(phantom[:10])))
    sys.exit(1 if lost or phantom else 0)


def main(argv):
    if len(argv) >= 4 and argv[0] == "login":
        return cmd_login(argv[1], argv[2], argv[3])
    if len(argv) >= 5 and argv[0] == "write":
        conns, seconds, stop_file = 8, 20.0, None
        rest = argv[5:]
        while rest:
            if rest[0] == "--conns":
                conns = int(rest[1])
            elif rest[0] == "--seconds":
                seconds = float(rest[1])
            elif rest[0] == "--stop-file":
                stop_file = rest[1]
            else:
                sys.exit("load.py: unknown option " + rest[0])
            rest = rest[2:]
        conns = max(1, min(conns, 64))
        seconds = max(0.1, min(seconds, 120.0))
        return cmd_write(argv[1], argv[2], argv[3], argv[4], conns, seconds, stop_file)
    if len(argv) == 4 and argv[0] == "get":
        return cmd_get(argv[1], argv[2], argv[3])
    if len(argv) == 4 and argv[0] == "compare":
        return cmd_compare(argv[1], argv[2], argv[3])
    sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
