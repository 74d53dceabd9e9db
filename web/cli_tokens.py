"""`dangjian token create|list|revoke`: API keys for service accounts (graph/api_keys.py).

    dangjian token create --name 李研究员 --role editor --town town-zumiao [--read-whole-district]
                          [--expires 2027-01-01|30d]
    dangjian token list [--json]
    dangjian token revoke ID

`create` prints the key on stdout, alone, once (`KEY=$(dangjian token create …)`); what it is, on
stderr. Creating and revoking a key are recorded in the audit trail (actions token-create and
token-revoke, type ApiKey, the key's id; the actor is the command and the user who ran it). Only the SHA-256 of its secret is stored: a lost key is revoked and replaced, never
shown again. `list` never shows a secret or its hash. A revoked key is refused by every server
within 5 s (web/api_key_auth.py KEY_CACHE_S).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import sys

from graph.grants import ROLES

_DAYS = re.compile(r"([0-9]{1,5})d")
_ID = re.compile(r"[0-9a-f]{16}")
COLUMNS = ("id", "name", "role", "towns", "created", "expires", "revoked")


def add_commands(commands, settings) -> None:
    """Add `token create|list|revoke` to the `dangjian` sub-parsers; `settings(args)` gives the
    Settings (database) of a parsed command line."""
    parser = commands.add_parser("token", help="create, list or revoke API keys for service accounts")
    actions = parser.add_subparsers(dest="action", required=True)
    create_parser = actions.add_parser("create", help="make a key and print it once")
    create_parser.add_argument("--name", required=True, help="who the key acts as: the actor of its writes")
    create_parser.add_argument("--role", required=True, choices=ROLES)
    create_parser.add_argument("--town", action="append", default=[], metavar="UID",
                               help="limit the key to this town (repeat for several); default: the whole district")
    create_parser.add_argument("--read-whole-district", action="store_true",
                               help="with --town: reads see the whole district, writes stay in the towns")
    create_parser.add_argument("--expires", help="a date (2027-01-01: at 00:00 UTC) or a number of days (30d); "
                                                 "default: never")
    create_parser.set_defaults(run=lambda args: create(args, settings(args)))
    list_parser = actions.add_parser("list", help="every key: id, name, role, towns, created, expires, revoked")
    list_parser.add_argument("--json", action="store_true", help="as a JSON list")
    list_parser.set_defaults(run=lambda args: list_keys(args, settings(args)))
    revoke_parser = actions.add_parser("revoke", help="refuse a key from now on (every server within 5 s)")
    revoke_parser.add_argument("id", help="the key's id (dangjian token list)")
    revoke_parser.set_defaults(run=lambda args: revoke(args, settings(args)))


def _refuse(message: str) -> int:
    print(f"dangjian token: {message}", file=sys.stderr)
    return 1


def expiry(text: str, now: dt.datetime) -> dt.datetime:
    """`--expires`: YYYY-MM-DD (00:00 UTC that day) or Nd (N days from now). Raises ValueError."""
    days = _DAYS.fullmatch(text)
    if days:
        when = now + dt.timedelta(days=int(days.group(1)))
    else:
        try:
            when = dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
        except ValueError:
            raise ValueError(f"--expires must be a date such as 2027-01-01 or days such as 30d, got {text!r}") from None
    if when <= now:
        raise ValueError(f"--expires {text} is not in the future")
    return when


def _run(settings, work):
    from graph.backend import connected
    from graph.errors import DatabaseUnavailable

    async def run():
        async with connected(settings) as backend:
            return await work(backend)

    try:
        return asyncio.run(run())
    except DatabaseUnavailable as error:
        raise SystemExit(f"dangjian token: the database did not answer ({error})") from None


def _who() -> str:
    """The actor of a token's audit entry: whoever ran the command on this machine."""
    import getpass

    try:
        return f"dangjian token ({getpass.getuser()})"
    except (KeyError, OSError):  # no user name for this uid (a bare container)
        return "dangjian token"


def _audit(action: str, key_id: str, changes: dict):
    """The audit entry that records a key's creation or revocation (never its secret)."""
    import uuid

    from graph.bulk import RecordAudit
    from graph.write_plan import Audit, utc_now

    at, _ = utc_now()
    audit = Audit(_who(), at, action, "ApiKey", key_id, json.dumps(changes, ensure_ascii=False, sort_keys=True))
    return RecordAudit(audit.properties(f"audit-{uuid.uuid4().hex}"))


def create(args: argparse.Namespace, settings) -> int:
    from graph.api_keys import create_plan, new_key
    from graph.bulk import NodeBatch
    from graph.validation import actor_problem, text_problem

    problem = actor_problem(args.name)
    if problem:
        return _refuse(f"--name: {problem}")
    towns = tuple(dict.fromkeys(town.strip() for town in args.town))
    for town in towns:
        if not town or text_problem(town):
            return _refuse(f"--town {town!r}: {text_problem(town) or 'give a town uid'}")
    if args.read_whole_district and not towns:
        return _refuse("--read-whole-district only matters with --town: without one, the key reads everywhere")
    now = dt.datetime.now(dt.timezone.utc)
    try:
        expires = expiry(args.expires, now) if args.expires else None
    except ValueError as error:
        return _refuse(str(error))

    async def work(backend):
        if towns:
            found = {row["uid"] for row in await backend.read(NodeBatch("existing_uids", "Town", towns))}
            missing = [town for town in towns if town not in found]
            if missing:
                return None, missing
        for _ in range(3):  # a taken id (one chance in 2^64) is simply drawn again
            key_id, secret, key = new_key()
            plan = create_plan(key_id, secret, args.name.strip(), args.role, towns, args.read_whole_district,
                               created=now, expires=expires)
            rows = await backend.write(plan)
            if rows and rows[0]["created"] == 1:
                await backend.write(_audit("token-create", key_id, {
                    "name": args.name.strip(), "role": args.role, "towns": list(towns),
                    "readsWholeDistrict": args.read_whole_district,
                    "expires": expires.strftime("%Y-%m-%dT%H:%M:%SZ") if expires else None}))
                return (key_id, key), []
        raise RuntimeError("could not draw a free key id")

    made, missing = _run(settings, work)
    if missing:
        return _refuse(f"--town: no town has the uid {', '.join(missing)} (dangjian export lists them)")
    key_id, key = made
    scope = f"towns {', '.join(towns)}" + ("; reads the whole district" if args.read_whole_district else "") \
        if towns else "the whole district"
    until = f"expires {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}" if expires else "never expires"
    print(f"token: created key {key_id} for {args.name.strip()} ({args.role}, {scope}; {until}). It is printed "
          "once, below: only a hash of it is kept. Send it as Authorization: Bearer <key>.", file=sys.stderr)
    print(key)
    return 0


def list_keys(args: argparse.Namespace, settings) -> int:
    from graph.api_keys import ListApiKeys

    async def work(backend):
        return await backend.read(ListApiKeys())

    rows = [{**{column: row.get(column) for column in COLUMNS}, "readsWholeDistrict": bool(row.get("readsWholeDistrict"))}
            for row in _run(settings, work)]
    if args.json:
        print(json.dumps([{**row, "towns": row["towns"] or []} for row in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("token: no API keys", file=sys.stderr)
        return 0
    print("\t".join(COLUMNS))
    for row in rows:
        towns = ",".join(row["towns"] or []) or "(district)"
        if row["towns"] and row["readsWholeDistrict"]:
            towns += " (reads: district)"
        print("\t".join([row["id"], row["name"], row["role"], towns, row["created"] or "-", row["expires"] or "never",
                         row["revoked"] or "-"]))
    return 0


def revoke(args: argparse.Namespace, settings) -> int:
    from graph.api_keys import RevokeApiKey, timestamp

    if not _ID.fullmatch(args.id):
        return _refuse(f"{args.id!r} is not a key id (16 hex digits, as dangjian token list shows)")
    now = timestamp(dt.datetime.now(dt.timezone.utc))

    async def work(backend):
        rows = await backend.write(RevokeApiKey(args.id, now))
        if rows and rows[0]["newly"]:  # a new revocation, not a repeat
            await backend.write(_audit("token-revoke", args.id, {"revoked": now}))
        return rows

    rows = _run(settings, work)
    if not rows:
        return _refuse(f"no key has the id {args.id}")
    revoked = rows[0]["revoked"]
    if not rows[0]["newly"]:
        print(f"token: key {args.id} was revoked already, at {revoked}")
    else:
        print(f"token: revoked key {args.id} at {revoked}; servers refuse it within 5 seconds")
    return 0
