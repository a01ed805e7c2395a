"""
A peer for `bun run bench` (section peers): FastAPI + uvicorn doing the
product's per-request work on the product's SQLite file, read-only.
  PEER_DB=path PEER_SECRET=key PEER_PERMISSIONS='{"user": [...]}' PORT=n python3 bench/peers/fastapi_app.py
Per request, as bench/ceiling.ts does: a request id (a sane incoming
X-Request-Id, else a UUID), the security headers, a request counter and
duration histogram, JSON. /health: one `SELECT 1`. /api/v2/auth/me and the
customer list: a Bearer token (HS256) checked once per token, one user +
session lookup, and the product's body. The customer search takes the
product's SQLite path for a term of 3+ characters: the FTS5 trigram page,
the capped count, the opt-out lookup of the page's phones. GET /original/...
searches as the FastAPI service this product replaces does.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import sqlite3
import time
import uuid

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

DB = sqlite3.connect(f"file:{os.environ['PEER_DB']}?mode=ro", uri=True, isolation_level=None)
DB.execute("PRAGMA busy_timeout = 5000")
SECRET = os.environ["PEER_SECRET"].encode()
# The product's permission table, handed over by the bench so the two cannot drift apart.
PERMISSIONS = json.loads(os.environ["PEER_PERMISSIONS"])
RANK = {"user": 0, "admin": 1, "superuser": 2}

LOOKUP = """SELECT u.id, u.email, u.full_name, u.role, u.is_superuser, u.is_active, u.created_at,
          (SELECT coalesce(s.revoked_at, 0) FROM auth_sessions s WHERE s.id = ?2 AND s.user_id = u.id),
          u.totp_enabled_at IS NOT NULL, u.first_name, u.last_name, u.last_login_at
     FROM api_users u WHERE u.id = ?1"""
COLUMNS = (
    "id, first_name, last_name, email, phone, company, notes, address_line1, address_line2, city, state, postal_code, "
    "customer_type, prospect_stage, lead_source, estimated_value, assigned_sales_rep, next_follow_up_date, lead_notes, "
    "is_archived, tags, created_at, updated_at"
)
PAGE = f"""SELECT {COLUMNS} FROM customers WHERE id IN (
      SELECT f.rowid FROM customers_fts f JOIN customers c ON c.id = f.rowid
       WHERE customers_fts MATCH ? AND c.is_archived = ? ORDER BY f.rowid DESC LIMIT ? OFFSET ?)
    ORDER BY id DESC"""
COUNT = """SELECT count(*) FROM (SELECT 1 FROM customers_fts f JOIN customers c ON c.id = f.rowid
    WHERE customers_fts MATCH ? AND c.is_archived = ? LIMIT ?)"""
SEARCH_TOTAL_CAP = 1000

SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
BASE_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    (b"vary", b"Origin"),
]
BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]
counts: dict[str, int] = {}
histogram: dict[str, list[int]] = {}


def observe(route: str, status: int, seconds: float) -> None:
    key = f"GET {route} {status}"
    counts[key] = counts.get(key, 0) + 1
    buckets = histogram.setdefault(route, [0] * (len(BUCKETS) + 1))
    i = 0
    while i < len(BUCKETS) and seconds > BUCKETS[i]:
        i += 1
    buckets[i] += 1


class RequestLayer:
    """Plain ASGI middleware (BaseHTTPMiddleware costs a task per request): request id, security headers, metrics."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        request_id = incoming if incoming and SAFE_REQUEST_ID.match(incoming.decode("latin-1")) else str(uuid.uuid4()).encode()

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *BASE_HEADERS, (b"x-request-id", request_id)]
                observe(scope["path"], message["status"], time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, send_with_headers)


app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
app.add_middleware(RequestLayer)


class NotAuthenticated(Exception):
    pass


@app.exception_handler(NotAuthenticated)
async def not_authenticated(request: Request, exc: NotAuthenticated):
    headers = {"cache-control": "no-store"} if request.url.path.startswith("/api/v2/auth/") else None
    return JSONResponse({"detail": "Not authenticated"}, status_code=401, headers=headers)


verified: dict[str, tuple[int, str, float]] = {}


def b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify(token: str):
    known = verified.get(token)
    if known:
        return known if known[2] > time.time() else None
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return None
    expected = hmac.new(SECRET, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    try:
        given = b64url(parts[2])
    except ValueError:
        return None
    if not hmac.compare_digest(given, expected):
        return None
    claims = json.loads(b64url(parts[1]))
    entry = (int(claims["sub"]), claims["sid"], claims["exp"])
    verified[token] = entry
    return entry


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def effective_role(role: str, is_superuser: bool) -> str:
    stored = role if role in RANK else "user"
    return "admin" if is_superuser and RANK[stored] < RANK["admin"] else stored


async def current_user(request: Request):
    """One user + session lookup per request; role and active state come from the database, never the token."""
    match = re.match(r"^Bearer (\S+)$", request.headers.get("authorization", ""))
    claims = verify(match[1]) if match else None
    row = DB.execute(LOOKUP, (claims[0], claims[1])).fetchone() if claims else None
    if not row or row[7] is None or row[7] != 0 or not row[5]:
        raise NotAuthenticated()
    return row


@app.get("/health")
async def health():
    DB.execute("SELECT 1").fetchone()
    return JSONResponse({"status": "ok", "database": "ok", "version": "1.1.0", "commit": "0123456789ab"})


@app.get("/api/v2/auth/me")
async def me(row=Depends(current_user)):
    user_id, email, full_name, stored_role, is_superuser, is_active, created_at, _, two_factor, first, last, last_login = row
    role = effective_role(stored_role, bool(is_superuser))
    body = {
        "user": {
            "id": user_id,
            "email": email,
            "full_name": full_name,
            "first_name": first,
            "last_name": last,
            "role": role,
            "permissions": PERMISSIONS[role],
            "is_active": bool(is_active),
            "last_login_at": iso(last_login),
            "last_login": iso(last_login),
            "created_at": iso(created_at),
        },
        "two_factor": {"enabled": bool(two_factor), "required": False},
    }
    return JSONResponse(body, headers={"cache-control": "no-store"})


def customer_view(row, opted_out: set[str]) -> dict:
    (id_, first, last, email, phone, company, notes, line1, line2, city, state, postal, ctype, stage, source, value, rep, follow_up,
     lead_notes, archived, tags, created_at, updated_at) = row
    return {
        "id": id_,
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone": phone,
        "company": company,
        "notes": notes,
        "tags": json.loads(tags) if tags else [],
        "address_line1": line1,
        "address_line2": line2,
        "city": city,
        "state": state,
        "postal_code": postal,
        "customer_type": ctype,
        "prospect_stage": stage,
        "lead_source": source,
        "estimated_value": value,
        "assigned_sales_rep": rep,
        "next_follow_up_date": follow_up,
        "lead_notes": lead_notes,
        "is_archived": bool(archived),
        "is_active": not archived,
        "sms_opt_out": phone is not None and phone in opted_out,
        "created_at": iso(created_at),
        "updated_at": iso(updated_at),
    }


# The FastAPI service this product replaces searches with ILIKE over names, e-mail and phone (SQLAlchemy
# renders it as lower(x) LIKE lower(?) on SQLite), newest first, and counts every match: GET /original/...
ORIGINAL_MATCH = """is_archived = 0 AND deleted_at IS NULL AND (lower(first_name) LIKE lower(?1) OR lower(last_name) LIKE lower(?1)
  OR lower(email) LIKE lower(?1) OR lower(phone) LIKE lower(?1) OR lower(first_name || ' ' || last_name) LIKE lower(?1))"""
ORIGINAL_PAGE = f"SELECT {COLUMNS} FROM customers WHERE {ORIGINAL_MATCH} ORDER BY created_at DESC LIMIT ?2 OFFSET ?3"
ORIGINAL_COUNT = f"SELECT count(*) FROM customers WHERE {ORIGINAL_MATCH}"


def opted_out_among(rows) -> set[str]:
    phones = list({r[4] for r in rows if r[4]})
    if not phones:
        return set()
    marks = ",".join("?" * len(phones))
    return {r[0] for r in DB.execute(f"SELECT phone FROM sms_opt_outs WHERE opted_out = 1 AND phone IN ({marks})", phones)}


@app.get("/original/api/v2/customers")
async def original_customers(search: str = "", page: int = 1, page_size: int = 50, row=Depends(current_user)):
    role = effective_role(row[3], bool(row[4]))
    if "view_customers" not in PERMISSIONS[role]:
        return JSONResponse({"detail": "Permission denied"}, status_code=403)
    if not 1 <= page_size <= 500 or page < 1:
        return JSONResponse({"detail": "Not supported by this peer"}, status_code=422)
    needle = f"%{search.strip()}%"
    rows = DB.execute(ORIGINAL_PAGE, (needle, page_size, (page - 1) * page_size)).fetchall()
    total = DB.execute(ORIGINAL_COUNT, (needle,)).fetchone()[0]
    opted_out = opted_out_among(rows)
    body = {"items": [customer_view(r, opted_out) for r in rows], "total": total, "total_is_estimate": False, "page": page, "page_size": page_size}
    return JSONResponse(body)


@app.get("/api/v2/customers")
async def customers(search: str = "", page: int = 1, page_size: int = 50, row=Depends(current_user)):
    role = effective_role(row[3], bool(row[4]))
    if "view_customers" not in PERMISSIONS[role]:
        return JSONResponse({"detail": "Permission denied"}, status_code=403)
    needle = search.strip().lower()
    # Only the bench's path: one term of 3+ characters, which the product serves from the FTS5 table.
    if len(needle) < 3 or not 1 <= page_size <= 500 or page < 1:
        return JSONResponse({"detail": "Not supported by this peer"}, status_code=422)
    match = '"' + needle.replace('"', '""') + '"'
    offset = (page - 1) * page_size
    rows = DB.execute(PAGE, (match, 0, page_size, offset)).fetchall()
    if len(rows) < page_size and (rows or offset == 0):
        total, estimate = offset + len(rows), False
    else:
        cap = max(SEARCH_TOTAL_CAP, offset + page_size)
        counted = DB.execute(COUNT, (match, 0, cap + 1)).fetchone()[0]
        total, estimate = min(counted, cap), counted > cap
    opted_out = opted_out_among(rows)
    body = {
        "items": [customer_view(r, opted_out) for r in rows],
        "total": total,
        "total_is_estimate": estimate,
        "page": page,
        "page_size": page_size,
    }
    return JSONResponse(body)


if __name__ == "__main__":
    import uvicorn

    # One worker: one process, as the product and the Express peer run.
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), workers=1, log_level="warning", access_log=False)
