"""`billing-bridge`: serve the bridge, manage owners, set Stripe up, sync, migrate."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from server_bridge import db
from server_bridge.api.errors import ApiError
from server_bridge.auth import owners
from server_bridge.db.models import Owner
from server_bridge.settings import ConfigError, Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from server_bridge.gateway import StripeCalls


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="billing-bridge", description="The Billing Manager bridge.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the bridge (BRIDGE_* settings from the environment)")
    serve.add_argument("--sandbox", action="store_true", help="run the Stripe sandbox beside it, with demo owners")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    serve.add_argument("--data-dir", type=Path, help="where the default SQLite database lives (--sandbox: a temp dir)")
    serve.add_argument("--ready-file", type=Path, help="--sandbox: write the URLs here as JSON once serving")

    users = commands.add_parser("users", help="manage site owners").add_subparsers(
        dest="users_command", required=True, metavar="ACTION")
    add = users.add_parser("add", help="add an owner linked to a Stripe customer")
    add.add_argument("email")
    add.add_argument("--customer", required=True, help="the owner's Stripe customer id (cus_...)")
    add.add_argument("--account", help="the owner's Stripe connected account id (acct_...), if they sell already")
    add.add_argument("--password", help="default: BRIDGE_NEW_PASSWORD, else asked for")
    link = users.add_parser("set", help="link an owner to another Stripe customer or connected account")
    link.add_argument("email")
    link.add_argument("--customer", help="the owner's Stripe customer id (cus_...)")
    link.add_argument("--account", help="the owner's Stripe connected account id (acct_...)")
    users.add_parser("list", help="list owners")
    disable = users.add_parser("disable", help="disable an owner and sign them out everywhere")
    disable.add_argument("email")
    reset = users.add_parser("reset-password", help="set a new password and sign the owner out everywhere")
    reset.add_argument("email")
    reset.add_argument("--password", help="default: BRIDGE_NEW_PASSWORD, else asked for")
    reset_link = users.add_parser("reset-link", help="print a one-time link for the owner to choose a new password "
                                                     "(what \"forgot password\" mails)")
    reset_link.add_argument("email")

    stripe = commands.add_parser("stripe", help="Stripe account set-up").add_subparsers(
        dest="stripe_command", required=True, metavar="ACTION")
    stripe.add_parser("setup", help="create products, prices, the portal configuration and the webhook endpoint")

    sync_command = commands.add_parser("sync", help="backfill every owner's Stripe objects into the store "
                                                    "(resumes a run that did not finish)")
    sync_command.add_argument("--full", action="store_true", help="start over instead of resuming")
    database = commands.add_parser("db", help="database").add_subparsers(
        dest="db_command", required=True, metavar="ACTION")
    database.add_parser("upgrade", help="apply the migrations")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Whatever goes wrong outside the code's control (Stripe refusing or out of
    reach, the database out of reach, bad settings) is one sentence on stderr and a non-zero exit."""
    args = build_parser().parse_args(argv)
    what = " ".join(part for part in (args.command, getattr(args, "stripe_command", None)) if part)
    try:
        if args.command == "serve":
            return serve_sandbox(args) if args.sandbox else serve(args)
        if args.command == "users":
            return users(args)
        if args.command == "stripe":
            return stripe_setup()
        if args.command == "sync":
            return sync(full=args.full)
        if args.command == "db":
            db.upgrade(Settings().database_url)
            print("The database is up to date.")
            return 0
    except ConfigError as exc:
        print(f"billing-bridge: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"billing-bridge: the settings are not valid: {_settings_problems(exc)}", file=sys.stderr)
        return 2
    except ApiError as exc:
        return _fail(f"{what} stopped: {_stripe_sentence(exc)} {_again(args.command)}")
    except DBAPIError as exc:
        return _fail(f"{what} stopped: the database could not be used ({_first_line(exc.orig)}).")
    except OSError as exc:
        return _fail(f"could not start: {exc}")
    except KeyboardInterrupt:
        return _fail(f"{what} interrupted. {_again(args.command)}", code=130)
    return 2


def _settings_problems(exc: ValidationError) -> str:
    """Each bad BRIDGE_* setting in a few words (pydantic's own text, without its links)."""
    problems = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"]).upper()
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"BRIDGE_{name}: {message}" if name else message)
    return "; ".join(problems)


def _fail(message: str, code: int = 1) -> int:
    print(f"billing-bridge: {message}", file=sys.stderr)
    return code


def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__


def _stripe_sentence(exc: ApiError) -> str:
    reason = getattr(exc, "reason", "")
    if reason:
        return f"Stripe {reason}."
    message = exc.message.rstrip(".")
    return f"{message}." if message.startswith("Stripe") else f"Stripe refused: {message}."


def _again(command: str) -> str:
    if command == "sync":
        return "Run it again to resume."
    if command == "stripe":
        return "It is safe to run again."
    return ""


# serve -----------------------------------------------------------------------------------------

def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server_bridge.app import create_app

    settings = Settings(data_dir=args.data_dir) if args.data_dir else Settings()
    settings.require()
    db.upgrade(settings.database_url)
    # proxy_headers off: client_address.py reads BRIDGE_TRUSTED_PROXY_HEADER from trusted proxies only.
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info", proxy_headers=False)
    return 0


def serve_sandbox(args: argparse.Namespace) -> int:
    from server_bridge.stack import DEMO_OWNERS, DEMO_PASSWORD, start_sandbox_stack

    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        with tempfile.TemporaryDirectory(prefix="billing-bridge-") as temp:
            data_dir = args.data_dir or Path(temp)
            # BRIDGE_DATABASE_URL if set (PostgreSQL, to try several bridges), else SQLite in data_dir
            stack = start_sandbox_stack(data_dir=data_dir, database_url=Settings(data_dir=data_dir).database_url,
                                        host=args.host, port=args.port)
            try:
                if args.ready_file:
                    write_json_atomic(args.ready_file, {"bridge_url": stack.bridge_url,
                                                        "sandbox_url": stack.sandbox_url, "pid": os.getpid()})
                print(f"Bridge:  {stack.bridge_url}", flush=True)
                print(f"Sandbox: {stack.sandbox_url}", flush=True)
                print(f"Demo owners (password {DEMO_PASSWORD!r}): {', '.join(DEMO_OWNERS)}", flush=True)
                while not stop.wait(0.5):
                    pass
            finally:
                stack.stop()
                if args.ready_file:
                    Path(args.ready_file).unlink(missing_ok=True)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temp, path)


# users -----------------------------------------------------------------------------------------

def _new_password(given: str | None) -> str:
    password = given or os.environ.get("BRIDGE_NEW_PASSWORD")
    if password:
        return password
    password = getpass.getpass("New password: ")
    if password != getpass.getpass("Repeat it: "):
        raise ValueError("the passwords differ")
    return password


def users(args: argparse.Namespace) -> int:
    settings = Settings()
    db.upgrade(settings.database_url)
    engine = db.make_engine(settings.database_url)
    try:
        with db.make_sessions(engine)() as session:
            if args.users_command == "list":
                for owner in session.execute(select(Owner).order_by(Owner.email)).scalars():
                    state = "disabled" if owner.disabled else "active"
                    print(f"{owner.email}\t{owner.stripe_customer_id or '-'}\t{owner.stripe_account_id or '-'}\t{state}")
                return 0
            if args.users_command == "add":
                if "@" not in args.email:
                    return _fail(f"{args.email!r} is not an email address")
                if not args.customer.startswith("cus_"):
                    return _fail(f"{args.customer!r} is not a Stripe customer id (cus_...)")
                if args.account and not args.account.startswith("acct_"):
                    return _fail(f"{args.account!r} is not a Stripe connected account id (acct_...)")
                if owners.find_owner(session, args.email):
                    return _fail(f"{owners.normalize_email(args.email)} already exists")
                try:
                    password = _new_password(args.password)
                except ValueError as exc:
                    return _fail(str(exc))
                try:
                    owners.add_owner(session, args.email, password, customer_id=args.customer, account_id=args.account)
                    session.commit()
                except IntegrityError:
                    return _fail(f"customer {args.customer} or account {args.account} already belongs to another owner")
                print(f"Added {owners.normalize_email(args.email)} ({args.customer}"
                      f"{', ' + args.account if args.account else ''}).")
                return 0
            owner = owners.find_owner(session, args.email)
            if owner is None:
                return _fail(f"no owner {owners.normalize_email(args.email)}")
            if args.users_command == "set":
                return set_links(session, owner, args.customer, args.account)
            if args.users_command == "reset-link":
                return print_reset_link(session, settings, owner)
            if args.users_command == "disable":
                owners.disable_owner(session, owner)
                session.commit()
                print(f"Disabled {owner.email}; their devices are signed out.")
                return 0
            try:
                password = _new_password(args.password)
            except ValueError as exc:
                return _fail(str(exc))
            owners.set_password(session, owner, password)
            session.commit()
            print(f"New password set for {owner.email}; their devices are signed out.")
            return 0
    finally:
        engine.dispose()


def print_reset_link(session: Any, settings: Settings, owner: Owner) -> int:
    from server_bridge.auth.identity import resets

    if owner.disabled:
        return _fail(f"{owner.email} is disabled; a link would not work")
    link = resets.issue(session, settings, owner)
    print(link.url)
    print(f"Give this link to {owner.email} only. It works once, for {settings.password_reset_minutes} minutes, "
          "and signs them out on every device.", file=sys.stderr)
    return 0


def set_links(session: Any, owner: Owner, customer: str | None, account: str | None) -> int:
    if not customer and not account:
        return _fail("give --customer and/or --account")
    if customer and not customer.startswith("cus_"):
        return _fail(f"{customer!r} is not a Stripe customer id (cus_...)")
    if account and not account.startswith("acct_"):
        return _fail(f"{account!r} is not a Stripe connected account id (acct_...)")
    if customer:
        owner.stripe_customer_id = customer
    if account:
        owner.stripe_account_id = account
    try:
        session.commit()
    except IntegrityError:
        return _fail(f"{customer or account} already belongs to another owner")
    print(f"Linked {owner.email} to {', '.join(x for x in (customer, account) if x)}.")
    return 0


# stripe setup, sync ----------------------------------------------------------------------------

def stripe_setup() -> int:
    from server_bridge.billing.setup import setup_stripe
    from server_bridge.gateway import Gateway

    settings = Settings()
    settings.require("stripe_secret_key")
    gateway = Gateway(settings)
    try:
        result = setup_stripe(gateway, settings.public_url)
    finally:
        gateway.close()
    print("# Stripe is set up. Export these for `billing-bridge serve`:")
    print(f"BRIDGE_PLANS='{json.dumps(result.plans, separators=(',', ':'))}'")
    print(f"BRIDGE_WEBHOOK_SECRETS={','.join(result.webhook_secrets.values())}")
    return 0


def sync(*, full: bool = False) -> int:
    from server_bridge.connect.backfill import import_accounts
    from server_bridge.gateway import Gateway, Pacer, stripe_rate_limit
    from server_bridge.mirror.sync import sync_all

    settings = Settings()
    settings.require("stripe_secret_key")
    db.upgrade(settings.database_url)
    engine = db.make_engine(settings.database_url)
    gateway = Gateway(settings)
    assert settings.stripe_secret_key is not None
    limit = settings.stripe_rate_limit or stripe_rate_limit(settings.stripe_secret_key.get_secret_value())
    gateway.pacer = Pacer(limit * settings.sync_rate_share)
    try:
        sessions = db.make_sessions(engine)
        report = sync_all(sessions, gateway, plans=settings.plans, full=full)
        had_duplicates = [] if report.skipped else report_duplicates(sessions, gateway)
        imported, import_failed = import_accounts(sessions, gateway, Pacer(settings.connect_requests_per_second))
    finally:
        gateway.close()
        engine.dispose()
    if report.skipped:
        print("Another bridge is syncing now; nothing done.")
        return 0
    resumed = f" ({report.resumed} already synced by the run this one resumed)" if report.resumed else ""
    print(f"Synced {_owners(report.synced)}{resumed}.")
    for line in had_duplicates:
        print(line)
    print(f"Imported {imported} connected accounts.")
    if import_failed:
        return _fail(f"the import of {', '.join(import_failed)} failed; run sync again to resume it")
    for email, reason in report.failed:
        print(f"billing-bridge: sync of {email} failed: {reason}.", file=sys.stderr)
    if report.stopped:
        return _fail(f"sync stopped: {report.stopped} for {_owners(len(report.failed))} in a row. "
                     "Run it again to resume.")
    if report.failed:
        return _fail(f"sync left {_owners(len(report.failed))} out (the last: {report.failed[-1][1]}). "
                     "Run it again to retry them.")
    return 0


def _owners(count: int) -> str:
    return f"{count} owner" if count == 1 else f"{count} owners"


def report_duplicates(sessions: sessionmaker[Session], gateway: StripeCalls) -> list[str]:
    """End any second live subscription the backfill found; one line for every owner who had one."""
    from server_bridge.billing import duplicates

    lines = []
    with sessions() as session:
        customers = session.execute(select(Owner.email, Owner.stripe_customer_id)
                                    .where(Owner.stripe_customer_id.is_not(None)).order_by(Owner.email)).all()
        for email, customer_id in customers:
            if duplicates.has_duplicate(session, customer_id):
                duplicates.resolve(session, gateway, customer_id)
                session.commit()
            for sub in duplicates.cancelled_as_duplicates(session, customer_id):
                lines.append(f"{email} had a duplicate subscription: {sub['id']} was cancelled and refunded.")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
