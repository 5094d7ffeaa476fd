// The product apart from its rigs (issue 28): no file under services/ imports
// from bench/, and only tests and test harnesses (files in a testing/ folder)
// import from a testing/ folder.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import ts from "typescript";

const services = dirname(fileURLToPath(import.meta.url));
const root = dirname(services);
const bench = join(root, "bench");

/** Every .ts file under services/, as a path relative to the repository root. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(path);
    return e.isFile() && e.name.endsWith(".ts") ? [relative(root, path)] : [];
  });
}

/** The relative module specifiers a file imports (static, type-only, re-exports and import()), resolved. */
function imports(file: string): Array<{ specifier: string; target: string }> {
  const info = ts.preProcessFile(readFileSync(join(root, file), "utf8"), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((s) => s.startsWith("./") || s.startsWith("../"))
    .map((specifier) => ({ specifier, target: resolve(root, dirname(file), specifier) }));
}

const inside = (path: string, dir: string) => path.startsWith(dir + sep);
const segments = (path: string) => relative(root, path).split(sep);
/** A test harness: a file in a testing/ folder. */
const inTestingFolder = (file: string) => segments(join(root, file)).slice(0, -1).includes("testing");
const isTest = (file: string) => file.endsWith(".test.ts");

const files = sources(services);

test("services/ holds the product's .ts files (the walk finds them)", (t) => {
  t.true(files.length > 100, `only ${files.length} files found under ${services}`);
  t.true(files.includes(join("services", "layout.test.ts")));
});

test("no file under services/ imports from bench/", (t) => {
  const offenders = files.flatMap((file) =>
    imports(file)
      .filter(({ target }) => target === bench || inside(target, bench))
      .map(({ specifier }) => `${file} imports ${specifier}`),
  );
  t.deepEqual(offenders, [], `benchmark code belongs under bench/ and services/ must not depend on it:\n${offenders.join("\n")}`);
});

// Files that imported from a testing/ folder when this test was written,
// without being a test or a harness themselves. The list may only shrink:
// the test fails on a new offender, and on a listed file that no longer
// offends (one that is gone is not held against the list).
const KNOWN: ReadonlySet<string> = new Set([
  // The EventBus contract (ava tests shared by the adapters) uses eventually().
  join("services", "platform", "bus", "contract.ts"),
]);

test("only tests and test harnesses import from a testing/ folder", (t) => {
  const offending = new Map<string, string[]>();
  for (const file of files) {
    if (isTest(file) || inTestingFolder(file)) continue;
    const found = imports(file)
      .filter(({ target }) => segments(target).slice(0, -1).includes("testing"))
      .map(({ specifier }) => specifier);
    if (found.length > 0) offending.set(file, found);
  }
  const fresh = [...offending].filter(([file]) => !KNOWN.has(file)).map(([file, specs]) => `${file} imports ${specs.join(", ")}`);
  t.deepEqual(fresh, [], `product code must not depend on test harnesses:\n${fresh.join("\n")}`);
  const stale = [...KNOWN].filter((file) => files.includes(file) && !offending.has(file));
  t.deepEqual(stale, [], `no longer imports from a testing/ folder; remove it from KNOWN in services/layout.test.ts:\n${stale.join("\n")}`);
});
