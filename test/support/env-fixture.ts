// A tiny shop env for the env host tests and the benchmark: a seed.db built here with
// better-sqlite3, the spec in test/fixtures/env-shop/spec.json (five tools, output schemas, error
// codes) and two tool modules beside it, one correct, one misbehaving in every way a test needs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ToolSpecFile } from '../../src/synthesis/tool-spec.js';
import { REPO_ROOT } from './cli-rig.js';

export const SHOP_DIR = join(REPO_ROOT, 'test', 'fixtures', 'env-shop');
export const SHOP_SPEC_PATH = join(SHOP_DIR, 'spec.json');
export const SHOP_TOOLS_PATH = join(SHOP_DIR, 'tools.mjs');
export const SHOP_MISBEHAVING_TOOLS_PATH = join(SHOP_DIR, 'misbehaving-tools.mjs');
export const SHOP_WORLD_CLOCK = '2026-03-02T09:00:00Z';

export const SHOP_SCHEMA = `
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  price_cents INTEGER NOT NULL,
  stock INTEGER NOT NULL CHECK (stock >= 0)
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  quantity INTEGER NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL
);
INSERT INTO users VALUES (1, 'Ada'), (2, 'Grace');
INSERT INTO products VALUES (1, 'Desk lamp', 2500, 5), (2, 'Kettle', 3900, 0), (3, 'Lamp shade', 900, 12);
INSERT INTO orders VALUES
  (1, 1, 3, 2, 'placed', '2026-02-27 10:15:00'),
  (2, 2, 1, 1, 'placed', '2026-02-28 16:40:00');
`;

export interface ShopFixture {
  readonly dir: string;
  readonly seedPath: string;
  readonly spec: ToolSpecFile;
  remove(): void;
}

/** A temp folder holding seed.db (and room for sessions and logs). */
export function makeShopFixture(prefix = 'awm-env-'): ShopFixture {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const seedPath = join(dir, 'seed.db');
  const db = new Database(seedPath);
  db.pragma('synchronous = OFF');
  db.exec(`BEGIN; ${SHOP_SCHEMA} COMMIT;`);
  db.close();
  return {
    dir,
    seedPath,
    spec: JSON.parse(readFileSync(SHOP_SPEC_PATH, 'utf8')) as ToolSpecFile,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Every row of every table of the database at `path`, to compare states. */
export function tableContents(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .pluck()
      .all() as string[];
    return Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM "${table}" ORDER BY 1`).all()]));
  } finally {
    db.close();
  }
}
