#!/usr/bin/python3
# SSSD's ldap_id_mapping, written again from its description (sssd-ldap(5)
# "ID MAPPING"), for ad.sh to check ldapsync's ids against:
#   sssd-id.py DOMAIN-SID RID...   prints the id of each RID
# It first checks itself against SSSD's published vectors, and fails if
# they do not come out.
import sys

LOW, HIGH, SIZE = 200000, 2000200000, 200000


def murmur3(data, seed):
    c1, c2, m = 0xcc9e2d51, 0x1b873593, 0xffffffff
    h, n = seed, len(data)
    rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & m
    for i in range(0, n - n % 4, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = rotl((k * c1) & m, 15) * c2 & m
        h = (rotl(h ^ k, 13) * 5 + 0xe6546b64) & m
    tail, k = data[n - n % 4:], 0
    for i, b in enumerate(tail):
        k |= b << (8 * i)
    if tail:
        h ^= rotl((k * c1) & m, 15) * c2 & m
    h ^= n
    for shift, mul in ((16, 0x85ebca6b), (13, 0xc2b2ae35)):
        h = ((h ^ (h >> shift)) * mul) & m
    return h ^ (h >> 16)


def slice_of(name):
    return murmur3(name.encode(), 0xdeadbeef) % ((HIGH - LOW) // SIZE)


def sid_to_id(dom, rid):
    first = rid - rid % SIZE
    primary = slice_of(dom)
    s = primary
    if first:
        s = slice_of("%s-%d" % (dom, first))
        if s == primary:
            s = (s + 1) % ((HIGH - LOW) // SIZE)
    return LOW + s * SIZE + rid - first


assert slice_of("S-1-5-21-123-456-789") == 9212
assert LOW + 9212 * SIZE == 1842600000
assert sid_to_id("S-1-5-21-123-456-789", 4000000) == 575600000
for rid in sys.argv[2:]:
    print(sid_to_id(sys.argv[1], int(rid)))
