"""The FastAPI peer of the items benchmark: the same endpoints, the same
SQLite file (ITEMS_DB, written by the items app). The list pages by offset
only, as the items app does without a cursor (bench/curves/table_size.py).

It is given its fastest idiomatic form: `async def` endpoints (no thread pool
hop) and one connection per worker process opened at start-up; a primary-key
read is short enough not to hold the event loop back."""
import os
import sqlite3

from fastapi import FastAPI, HTTPException, Path, Query
from pydantic import BaseModel, Field

app = FastAPI(title="Items API (FastAPI peer)", version="1.0.0")
db = sqlite3.connect(os.environ.get("ITEMS_DB", "items.db"), check_same_thread=False)


class Item(BaseModel):
    id: int
    name: str = Field(min_length=1, max_length=200)
    price: float = Field(gt=0)
    description: str | None = Field(default=None, max_length=1000)


@app.get("/api/health")
async def health():
    return {"status": "healthy"}


@app.get("/api/items", response_model=list[Item])
async def list_items(limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0)):
    rows = db.execute("SELECT id, name, price, description FROM items ORDER BY id LIMIT ? OFFSET ?",
                      (limit, offset)).fetchall()
    return [{"id": r[0], "name": r[1], "price": r[2], "description": r[3]} for r in rows]


@app.get("/api/items/{item_id}", response_model=Item)
async def read_item(item_id: int = Path(ge=1)):
    row = db.execute("SELECT id, name, price, description FROM items WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return {"id": row[0], "name": row[1], "price": row[2], "description": row[3]}
