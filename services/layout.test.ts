// The product apart from its rigs: no file under services/ imports from
// bench/, and only test code (tests, the adapters' shared contract suites and
// the harness in testing/ folders) imports from a testing/ folder.
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
/** Tests, and the contract suites (contract.ts) that run one set of tests against each adapter of a port. */
const isTest = (file: string) => file.endsWith(".test.ts") || file.endsWith(`${sep}contract.ts`);

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

test("only tests and test harnesses import from a testing/ folder", (t) => {
  const offending = new Map<string, string[]>();
  for (const file of files) {
    if (isTest(file) || inTestingFolder(file)) continue;
    const found = imports(file)
      .filter(({ target }) => segments(target).slice(0, -1).includes("testing"))
      .map(({ specifier }) => specifier);
    if (found.length > 0) offending.set(file, found);
  }
  const found = [...offending].map(([file, specs]) => `${file} imports ${specs.join(", ")}`);
  t.deepEqual(found, [], `product code must not depend on test harnesses:\n${found.join("\n")}`);
});
