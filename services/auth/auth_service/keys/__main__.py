"""`python -m auth_service.keys rotate [--key-file PATH]`: rotate a keyring kept in files.

Without --key-file it rotates the development keys (AUTH_DEV_KEY_FILE and its siblings);
with it, any files laid out the same way, e.g. the keys taken out of the Secret in
production (docs/key-rotation.md). Prints the kid of each key after the rotation.
"""

import argparse
import sys
from pathlib import Path

from auth_service.config import AuthSettings
from auth_service.keys.keyring import KeyFiles, public_key, rotate_files
from auth_service.keys.signing import public_jwk


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auth_service.keys")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("rotate", "next becomes current, current becomes previous, a new next is made"),
        ("show", "print the kid of the previous, current and next keys"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument(
            "--key-file", type=Path, help="the current key's PEM (default: AUTH_DEV_KEY_FILE)"
        )
    args = parser.parse_args(argv)
    files = KeyFiles(args.key_file or AuthSettings().dev_key_file)
    if args.command == "rotate":
        had_next = files.next.exists()
        try:
            rotate_files(files)
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"error: {exc}\n")
            return 1
        if not had_next:
            sys.stderr.write(
                "warning: there was no next key, so the new current key was never published "
                "before it signs; verifiers will fetch it on the first unknown kid\n"
            )
    for role, path in (
        ("previous", files.previous),
        ("current", files.current),
        ("next", files.next),
    ):
        kid = public_jwk(public_key(path.read_bytes()))["kid"] if path.exists() else "-"
        sys.stdout.write(f"{role:8} {kid}  {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
