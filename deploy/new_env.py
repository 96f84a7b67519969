"""Print a `.env` for docker compose with fresh secrets: ``make env`` writes it (never over one).

SECRET_KEY, a JWT key pair (base64 PEM, as the settings read it) and the database's passwords,
each new and random; nothing here is ever committed (`.env` is in .gitignore).
"""

import base64
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from blogapi.jwt_keys import new_key_pair  # after the path: the project root is on it only now


def env_lines() -> list[str]:
    private, public = new_key_pair()
    return [
        "# Written by `make env`: secrets for docker compose. Keep this file private.",
        f"SECRET_KEY={secrets.token_urlsafe(50)}",
        f"JWT_PRIVATE_KEY={base64.b64encode(private.encode()).decode()}",
        f"JWT_PUBLIC_KEY={base64.b64encode(public.encode()).decode()}",
        # Hex: safe inside the database URLs the compose file builds from them.
        f"POSTGRES_PASSWORD={secrets.token_hex(24)}",
        f"REPLICATION_PASSWORD={secrets.token_hex(24)}",
    ]


if __name__ == "__main__":
    print("\n".join(env_lines()))
