#!/usr/bin/python3
# Loads ad.sh's users and groups into a Samba AD DC's sam.ldb, with
# Samba's own library (far faster than one samba-tool per entry).
#   ad-load.py SMB.CONF SAM.LDB load|change|bulk N|churn N
import sys
import time

import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

PW = "Passw0rd!x"


def filetime(unix):
    return str(int((unix + 11644473600) * 10000000))


def load(db):
    db.newgroup("unixusers", gidnumber=10000)
    db.newuser("alice", PW, givenname="Alice", surname="Arnold",
               uidnumber=10001, gidnumber=10000, unixhome="/home/alice",
               loginshell="/bin/bash")
    db.newuser("bob", PW, givenname="Bob", surname="Brown")
    db.newuser("carol", PW, givenname="Carol", surname="Clark",
               uidnumber=10003, gidnumber=10000, unixhome="/home/carol",
               loginshell="/bin/bash")
    db.disable_account("(sAMAccountName=carol)")
    db.newuser("dave", PW, uidnumber=10004, gidnumber=10000,
               unixhome="/home/dave", loginshell="/bin/bash")
    set_attr(db, "dave", "accountExpires", filetime(1577836800))  # 2020
    db.newuser("erin", PW, uidnumber=10005, gidnumber=10000,
               unixhome="/home/erin", loginshell="/bin/bash")
    set_attr(db, "erin", "accountExpires", filetime(4102444800))  # 2100
    db.newuser("JSmith", PW, givenname="John", surname="Smith")
    db.newuser("frank", PW, uidnumber=10007, gidnumber=10000,
               unixhome="/home/frank", loginshell="/bin/bash")
    db.disable_account("(sAMAccountName=frank)")
    db.newgroup("devs", gidnumber=10010)
    db.newgroup("ops")
    db.newgroup("qa", gidnumber=10012)
    db.add_remove_group_members("devs", ["alice", "bob", "ops"])
    db.add_remove_group_members("ops", ["JSmith", "carol", "qa"])
    db.add_remove_group_members("qa", ["erin", "devs"])  # a cycle


def set_attr(db, name, attr, value):
    res = db.search(base=db.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                    expression="(sAMAccountName=%s)" % name, attrs=["dn"])
    m = ldb.Message()
    m.dn = res[0].dn
    m[attr] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, attr)
    db.modify(m)


def change(db):
    # frank is enabled again, erin disabled, alice renamed, JSmith
    # deleted, a new user.
    res = db.search(base=db.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                    expression="(sAMAccountName=frank)",
                    attrs=["userAccountControl"])
    set_attr(db, "frank", "userAccountControl",
             str(int(res[0]["userAccountControl"][0]) & ~2))
    db.disable_account("(sAMAccountName=erin)")
    set_attr(db, "alice", "sAMAccountName", "alice2")
    db.deleteuser("JSmith")
    db.newuser("gina", PW, uidnumber=10008, gidnumber=10000,
               unixhome="/home/gina", loginshell="/bin/bash")


def bulk(db, n):
    """n users (every other one with RFC 2307 ids), a group per 100."""
    base = db.domain_dn()
    db.transaction_start()
    for i in range(n):
        m = {"dn": "CN=b%06d,CN=Users,%s" % (i, base), "objectClass": "user",
             "sAMAccountName": "b%06d" % i, "displayName": "Bulk User %d" % i,
             "userAccountControl": "512"}
        if i % 2 == 0:
            m.update({"uidNumber": str(100000 + i), "gidNumber": "10000",
                      "unixHomeDirectory": "/home/b%06d" % i,
                      "loginShell": "/bin/bash"})
        db.add(m)
    for g in range(0, n, 100):
        db.add({"dn": "CN=bg%06d,CN=Users,%s" % (g, base),
                "objectClass": "group", "sAMAccountName": "bg%06d" % g,
                "member": ["CN=b%06d,CN=Users,%s" % (i, base)
                           for i in range(g, min(g + 100, n))]})
    db.transaction_commit()


def churn(db, k):
    """k users changed: their display names."""
    for i in range(k):
        set_attr(db, "b%06d" % (i * 7), "displayName", "Changed %d" % i)


def main():
    lp = LoadParm()
    lp.load(sys.argv[1])
    db = SamDB(url=sys.argv[2], session_info=system_session(), lp=lp)
    action = sys.argv[3]
    if action in ("bulk", "churn"):
        {"bulk": bulk, "churn": churn}[action](db, int(sys.argv[4]))
    else:
        {"load": load, "change": change}[action](db)


main()
