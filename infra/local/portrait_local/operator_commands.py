"""Operator commands: `portrait admin create-user` and `portrait keys rotate`."""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from portrait_local.targets import NoTarget, resolve_target

API_FUNCTION = "ApiFunction"


def add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack-name", help="act on this deployed stack (AWS credentials needed)")
    parser.add_argument("--region", help="the deployed stack's region")
    parser.add_argument("--template", default="template.yaml")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="the local stack's state (default: .portrait/ next to the template)")


def target_of(args: argparse.Namespace):
    return resolve_target(Path(args.template), stack_name=args.stack_name, region=args.region,
                          state_dir=args.state_dir)


def adopt_target(args: argparse.Namespace, *function_ids: str):
    """The stack the options name, its environment adopted from the first of `function_ids`
    the template has (an older template may lack a newer function; the API's names the
    same tables and bucket). None, the reason printed, when there is no such stack: the
    command then exits 2. With no function ids, nothing is adopted."""
    try:
        target = target_of(args)
    except NoTarget as exc:
        print(exc, file=sys.stderr)
        return None
    present = [f for f in function_ids if f in target.template.functions()]
    if function_ids:
        target.adopt_environment_of(present[0] if present else function_ids[-1])
    return target


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the passwords differ")
    return first


def run_create_user(args: argparse.Namespace) -> int:
    target = adopt_target(args, API_FUNCTION)
    if target is None:
        return 2
    try:
        password = _read_password(args)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    # Imported only now: the settings are read from the environment just adopted.
    from portrait.errors import PortraitError
    from portrait.services.accounts.registration import create_user

    try:
        user = create_user(username=args.username, email=args.email, password=password,
                           name=args.name, role="admin" if args.admin else "user")
    except PortraitError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 1
    print(f"created {user.role} {user.username} ({user.user_id}) on {target.description}")
    return 0


def run_rotate_key(args: argparse.Namespace) -> int:
    target = adopt_target(args)
    if target is None:
        return 2
    from portrait.store.signing_keys import rotate_signing_key

    secret_id = target.environment_of(API_FUNCTION)["SIGNING_KEY_SECRET"]
    kid = rotate_signing_key(secret_id, target.client("secretsmanager"))
    print(f"new active signing key {kid} in {secret_id} on {target.description}; "
          "older keys still verify")
    return 0


def register_admin(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("admin", help="create users (administrators too) on a local or "
                                    "deployed stack")
    admin = p.add_subparsers(dest="admin_command", required=True)
    create = admin.add_parser("create-user", help="create a user (an administrator with --admin)")
    create.add_argument("--username", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--admin", action="store_true", help="give the user the admin role")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of stdin instead of prompting")
    add_target_options(create)
    create.set_defaults(handler=run_create_user)


def register_keys(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("keys", help="rotate the key that signs access tokens "
                                   "(once after the first deploy, then when you like)")
    keys = p.add_subparsers(dest="keys_command", required=True)
    rotate = keys.add_parser("rotate", help="add a new active signing key (old ones keep verifying)")
    add_target_options(rotate)
    rotate.set_defaults(handler=run_rotate_key)
