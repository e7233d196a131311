#!/usr/bin/env python3
"""bench/import_rows.py good|bad ROWS GRID > FILE.csv - a residents roster
for measuring the import's memory (decisions.md §42), not run by make bench.

good: ROWS distinct valid ID numbers (region 330102, birth dates 1940-1989,
GB 11643 check digits), a name, GRID, a phone and an address - every row
passes decoding, so the rows carry no error.
bad:  the same rows with a wrong check digit and 'maybe' in living_alone -
two field errors on every row.

  /usr/bin/python3 bench/import_rows.py good 50000 330102001001001 > good.csv
  /usr/bin/time -v build/crest residents import good.csv --db DB --dry-run
"""
import sys

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def idn(body):
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, W)) % 11]


kind, rows, grid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if kind not in ("good", "bad") or not 0 < rows <= 50000:
    sys.exit("usage: import_rows.py good|bad ROWS(1-50000) GRID")
out = sys.stdout
out.write("id_number,name,grid,phone,address,living_alone\n")
for i in range(rows):
    n = idn("330102%04d0101%03d" % (1940 + i // 1000, i % 1000))
    alone = "否"
    if kind == "bad":
        n = n[:17] + ("1" if n[17] == "0" else "0")
        alone = "maybe"
    out.write("%s,居民%d,%s,138%08d,杭州市上城区某街道%d号,%s\n" % (n, i, grid, i, i, alone))
