#!/usr/bin/env python3
"""Prints what the local ALB mock holds as tables: listeners; rules by listener and priority
with their match -> action; server groups with their members. Reads the mock's state dump
(`GET /__mock/state`, the ALB API's own shapes) from the URL given as the only argument."""

import json
import sys
import urllib.request


def table(title, header, rows):
    """Prints `rows` under `header` with columns padded to their widest cell."""
    print(f"{title}:")
    if not rows:
        print("  (none)")
        return
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


def condition(c):
    """`Host=a,b`, `Path=/api`, `Header[x-env]=prod` from one rule condition."""
    config = next((v for k, v in c.items() if k.endswith("Config")), {}) or {}
    values = config.get("Values") or []
    values = [f'{v.get("Key")}={v.get("Value")}' if isinstance(v, dict) else str(v) for v in values]
    key = config.get("Key")
    return f'{c["Type"]}{"[" + key + "]" if key else ""}={",".join(values)}'


def action(a, groups):
    """`ForwardGroup web(100)`, `Redirect`, ... from one rule action."""
    tuples = (a.get("ForwardGroupConfig") or {}).get("ServerGroupTuples") or []
    targets = ", ".join(
        f'{groups.get(t["ServerGroupId"], t["ServerGroupId"])}'
        + (f'({t["Weight"]})' if t.get("Weight") is not None else "")
        for t in tuples
    )
    return a["Type"] + (f" {targets}" if targets else "")


def member(s):
    """`10.0.1.10:8080 w100` or `i-demo0001:30080 w100`, with a non-serving status."""
    status = "" if s.get("Status") == "Available" else f' ({s.get("Status")})'
    return f'{s["ServerId"]}:{s.get("Port", "-")} w{s.get("Weight")}{status}'


def main(url):
    state = json.load(urllib.request.urlopen(url, timeout=10))
    listeners = {l["ListenerId"]: f'{l["ListenerProtocol"]}:{l["ListenerPort"]}' for l in state["Listeners"]}
    groups = {g["ServerGroupId"]: g["ServerGroupName"] for g in state["ServerGroups"]}

    table(
        "listeners",
        ["LISTENER", "STATUS", "DEFAULT ACTION"],
        [
            [listeners[l["ListenerId"]], l.get("ListenerStatus", ""),
             " + ".join(action(a, groups) for a in l.get("DefaultActions") or [])]
            for l in sorted(state["Listeners"], key=lambda l: l["ListenerPort"])
        ],
    )
    table(
        "rules",
        ["LISTENER", "PRIORITY", "MATCH", "", "ACTION"],
        [
            [listeners.get(r["ListenerId"], r["ListenerId"]), r["Priority"],
             " ".join(condition(c) for c in r["RuleConditions"]), "->",
             " + ".join(action(a, groups) for a in sorted(r["RuleActions"], key=lambda a: a["Order"]))]
            for r in sorted(state["Rules"], key=lambda r: (listeners.get(r["ListenerId"], ""), r["Priority"]))
        ],
    )
    rows = []
    for g in sorted(state["ServerGroups"], key=lambda g: g["ServerGroupName"]):
        servers = sorted(g.get("Servers") or [], key=lambda s: (s["ServerId"], s.get("Port", 0)))
        cells = [member(s) for s in servers] or ["(no members)"]
        serving = sum(1 for s in servers if s.get("Status") != "Removing")
        head = [g["ServerGroupName"], g.get("ServerGroupType", ""), serving]
        rows.append(head + [cells[0]])
        rows.extend(["", "", "", cell] for cell in cells[1:])
    table("server groups", ["SERVER GROUP", "TYPE", "SERVING", "MEMBERS"], rows)


if __name__ == "__main__":
    main(sys.argv[1])
