"""Schemathesis hooks for the fuzz run (tests/e2e/api-openapi-fuzz.test.mjs).

/openapi.json is the contract, and the fuzzer checks the server against it as served.
These hooks add only what the fuzzer cannot read from the document:

- who the fuzzer is: the keys of the bots the runner registered, one speaking at a
  time, following a key rotation and handing over when one has spent a limit; the
  operators' token for `/api/admin/*`; the client address requests come from;
- what the fuzzer must not do to itself: ban a bot it speaks as, or have one block
  itself;
- the one setting of the test stack that differs from the documented defaults;
- the rules the document states in words because JSON Schema cannot state them (a
  dependency between two parameters, a bound that depends on the room's state);
- what the platform answers before the Worker runs, which the document describes but
  the Worker cannot shape.

Every dropped failure is counted, by reason, in the runner's output.
"""

from __future__ import annotations

import os
import re
import secrets

import schemathesis

KEYS = [key for key in os.environ["CLAWCHAT_FUZZ_KEYS"].split(",") if key]
# The speaking bots' names, in the order of their keys.
NAMES = [name for name in os.environ["CLAWCHAT_FUZZ_NAMES"].split(",") if name]
# The bots the operators' operations act on (the runner registered them; never spoken as).
TARGETS = [name for name in os.environ["CLAWCHAT_FUZZ_TARGETS"].split(",") if name]
ADMIN_TOKEN = os.environ["ADMIN_TOKEN"]
ADDRESS = os.environ["CLAWCHAT_FUZZ_ADDRESS"]
ROOM_TTL_MIN_SECONDS = int(os.environ["CLAWCHAT_ROOM_TTL_MIN_SECONDS"])
DROPPED_LOG = os.environ.get("CLAWCHAT_FUZZ_DROPPED")


# --- who speaks -------------------------------------------------------------------


class Bots:
    """The fuzzing bots' keys; one speaks at a time."""

    def __init__(self, keys: list[str], names: list[str]) -> None:
        self.keys = keys
        self.names = names
        self.current = 0

    @property
    def key(self) -> str:
        return self.keys[self.current]

    @property
    def name(self) -> str:
        return self.names[self.current]

    def rotated(self, old: str, new: str) -> None:
        self.keys = [new if key == old else key for key in self.keys]

    def spent(self, key: str) -> None:
        """The bot behind `key` reached a limit: the next one speaks (the last one stays)."""
        if key == self.key and self.current + 1 < len(self.keys):
            self.current += 1

    def speaks_as(self, name) -> bool:
        """Whether `name` is one of the fuzzing bots' (names are case-insensitive)."""
        return isinstance(name, str) and name.lower() in {n.lower() for n in self.names}


BOTS = Bots(KEYS, NAMES)
assert len(KEYS) == len(NAMES), "CLAWCHAT_FUZZ_KEYS and CLAWCHAT_FUZZ_NAMES must pair up"

ADMIN_PATHS = r"^/api/admin/"

# Registration and key recovery are limited per client address by what they write (5
# an hour, shared): from the fuzzer's one address, every later attempt would be 429 and
# the run would stop reaching what they do. Each of those requests comes from a fresh
# address instead; everything else from the fuzzer's own.
FRESH_ADDRESS = {("POST", "/api/bots/register"), ("POST", "/api/bots/recover")}


def client_address(case) -> str:
    if (case.operation.method.upper(), case.operation.path) in FRESH_ADDRESS:
        return "10." + ".".join(str(b) for b in secrets.token_bytes(3))
    return ADDRESS


def authorize(case, token: str) -> None:
    case.headers = {
        **(case.headers or {}),
        "Authorization": f"Bearer {token}",
        "CF-Connecting-IP": client_address(case),
    }


@schemathesis.auth(refresh_interval=None).apply_to(path_regex=ADMIN_PATHS)
class AdminToken:
    """The operators' operations carry the test stack's ADMIN_TOKEN."""

    def get(self, case, context):
        return ADMIN_TOKEN

    def set(self, case, data, context):
        authorize(case, data)


@schemathesis.auth(refresh_interval=None).skip_for(path_regex=ADMIN_PATHS)
class BotKey:
    """Every other request carries the speaking bot's key (public operations ignore it)."""

    def get(self, case, context):
        return BOTS.key

    def set(self, case, data, context):
        authorize(case, data)


# A bot's limits (messages 30 per minute; rooms 10 per hour and 10 live at once; invites
# 60 per hour; reports 20 per hour): once it answers 429, or 403 for the live-room cap,
# the next bot speaks, so the rest of the run still gets past the limiter.
LIMITED = {
    ("POST", "/api/global/messages"),
    ("POST", "/api/rooms/{id}/messages"),
    ("POST", "/api/rooms/create"),
    ("POST", "/api/rooms/{id}/invite"),
    ("POST", "/api/rooms/{id}/messages/{seq}/report"),
}


@schemathesis.hook
def after_call(context, case, response):
    header = response.request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return
    key = header.removeprefix("Bearer ")
    operation = (case.operation.method.upper(), case.operation.path)
    if operation == ("POST", "/api/bots/me/rotate-key") and response.status_code == 200:
        BOTS.rotated(key, response.json()["api_key"])
    elif operation in LIMITED and (
        response.status_code == 429
        or (operation == ("POST", "/api/rooms/create") and response.status_code == 403 and "live rooms" in response.text)
    ):
        BOTS.spent(key)


# --- the test stack -----------------------------------------------------------------


@schemathesis.hook
def before_load_schema(context, raw_schema):
    """The document states the defaults; the test stack lets rooms live 2 seconds
    (`ROOM_TTL_MIN_SECONDS`, scripts/lib.sh `start_test_stack`) to test expiry in real
    time, so shorter TTLs are valid there."""
    ttl = raw_schema["components"]["schemas"]["CreateRoomRequest"]["properties"]["ttl_seconds"]
    ttl["minimum"] = ROOM_TTL_MIN_SECONDS


# --- what the fuzzer must not do to itself, and what JSON Schema cannot say -----------


def is_positive(case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


def is_stream(case) -> bool:
    return case.operation.path.endswith("/ws")


def operation(case) -> tuple[str, str]:
    return (case.operation.method.upper(), case.operation.path)


def header(case, name: str) -> str | None:
    for key, value in (case.headers or {}).items():
        if key.lower() == name.lower():
            return value if isinstance(value, str) else None
    return None


BAN = ("POST", "/api/admin/bots/{name}/ban")
BLOCKS = {("POST", "/api/bots/me/blocks"), ("DELETE", "/api/bots/me/blocks/{name}")}


def is_name(value, name: str) -> bool:
    return isinstance(value, str) and value.lower() == name.lower()


@schemathesis.hook
def before_call(context, case, **kwargs):
    """What the fuzzer must not do to itself, corrected as the request leaves, whatever
    phase made it. The name it swaps in is just as valid, so the case stays what it was.

    - A ban of a bot the fuzzer speaks as would turn the rest of the run into 403s: it
      bans one of the runner's targets instead.
    - A bot cannot block (or unblock) itself; who asks decides, not the request, so no
      schema can say it. A case naming the bot speaking names another of the fuzzer's
      bots instead.
    """
    path = case.path_parameters or {}
    if operation(case) == BAN and BOTS.speaks_as(path.get("name")):
        path["name"] = TARGETS[0]
    if operation(case) not in BLOCKS:
        return
    sent = (header(case, "Authorization") or "").removeprefix("Bearer ")
    speaker = BOTS.names[BOTS.keys.index(sent)] if sent in BOTS.keys else BOTS.name
    other = next(name for name in BOTS.names if not is_name(name, speaker))
    if isinstance(case.body, dict) and is_name(case.body.get("bot"), speaker):
        case.body["bot"] = other
    if is_name(path.get("name"), speaker):
        path["name"] = other


@schemathesis.hook
def filter_case(context, case):
    if not is_positive(case):
        return True
    # A valid upgrade switches the connection to WebSocket, which an HTTP fuzzer cannot
    # follow: streams get invalid upgrades only (schemathesis.toml).
    if is_stream(case):
        return False
    # Paging takes `after` or `before`, never both, and the operators' logs read
    # `after` oldest first and `before` newest first: the parameters' descriptions say
    # so, and OpenAPI has no way to say it in a schema. Such a request is invalid.
    query = case.query or {}
    order = query.get("order")
    return not (
        ("after" in query and "before" in query)
        or ("after" in query and order == "newest")
        or ("before" in query and order == "oldest")
    )


def error_message(response) -> str:
    try:
        return response.json()["error"]["message"]
    except Exception:
        return ""


def dropped(reason: str) -> bool:
    """Drops a failure, noting why in the runner's tally."""
    if DROPPED_LOG:
        with open(DROPPED_LOG, "a", encoding="utf-8") as log:
            log.write(reason + "\n")
    return False


def is_seq(value) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit() and int(value) < 2**64


def fault_before_key(case, response) -> bool:
    """Whether a stream upgrade was refused for a fault the document says is checked
    before the key: no `Upgrade: websocket` (426), then a malformed `?after=` (400)."""
    upgrade = header(case, "Upgrade")
    if response.status_code == 426:
        return upgrade is None or upgrade.lower() != "websocket"
    after = (case.query or {}).get("after")
    return response.status_code == 400 and after is not None and not is_seq(str(after))


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keeps every failure except these, each one exact."""
    kind = type(failure).__name__
    # Not a failure: the check expects a request without its required key to be 401,
    # but streams check the upgrade first (`Upgrade`, then `?after=`; the operation's
    # description gives the order), and the fuzzer sends streams invalid upgrades only,
    # so the request that lacks the key lacks a valid upgrade too.
    if (
        kind == "MissingHeaderNotRejected"
        and is_stream(case)
        and getattr(failure, "header_name", "").lower() == "authorization"
        and fault_before_key(case, response)
    ):
        return dropped("a stream checks the upgrade before the key (documented order)")
    # Not a failure: a message the operators deleted (the document's link from posting to
    # DELETE /api/admin/rooms/{id}/messages/{seq}) cannot be reported any more, 404 as
    # documented. The check does not count that DELETE as the message's removal: it only
    # knows deletions at the message's own URL or above it, and this one is under
    # /api/admin/.
    if (
        kind == "EnsureResourceAvailability"
        and operation(case) == ("POST", "/api/rooms/{id}/messages/{seq}/report")
        and response.status_code == 404
        and re.fullmatch(r"Message \d+ of room \S+ was deleted by the operators already\.", error_message(response))
    ):
        return dropped("reporting a message the operators deleted (its DELETE is under /api/admin/)")
    if kind != "RejectedPositiveData" or response.status_code != 400:
        return True
    # Not a failure: `reply_to` may not exceed the room's last seq, a bound that depends
    # on the room's state and so cannot be in the schema (its description says it).
    if error_message(response) == "reply_to: must be the seq of an earlier message in this room":
        return dropped("reply_to above the room's last seq (a bound of the room's state)")
    # Not a failure: a webhook's `token` is required for `openclaw` and refused for
    # `standard`, a dependency on `format` its description states.
    if operation(case) == ("PUT", "/api/bots/me/webhook") and error_message(response) in (
        "token: is required for the openclaw format (your gateway's hook token)",
        "token: is for the openclaw format; standard deliveries are signed with the secret instead",
    ):
        return dropped("a webhook token without openclaw, or openclaw without one (depends on format)")
    # Not a failure: a reaction's path names one emoji (the `Emoji`
    # parameter's description), which no JSON Schema keyword can say; and a
    # message takes at most 20 distinct emoji, a bound of the message's state.
    if "/reactions/{emoji}" in case.operation.path and (
        error_message(response).startswith("emoji: must be exactly one emoji")
        or re.fullmatch(r"emoji: this message already has \d+ different reactions; add one of those instead", error_message(response))
    ):
        return dropped("a path emoji that is not one emoji, or a 21st on a message (stated in words)")
    # Not a failure: a webhook URL must be https:// (http:// only where local hosts are
    # allowed) and name a public host, rules its description states in words.
    if operation(case) == ("PUT", "/api/bots/me/webhook") and error_message(response).startswith("url: must"):
        return dropped("a webhook URL that is not https:// or not public (stated in words)")
    return True
