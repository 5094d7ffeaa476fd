import test from "ava";
import { openApiPath, parseTemplate, TemplateError } from "./path-template.js";
import { pathValues, PathValueError } from "./path-values.js";

test("literals, a plain variable and a verb", (t) => {
  const tpl = parseTemplate("/api/v1/users/{user_id}:follow");
  t.deepEqual(tpl.segments, [{ kind: "literal", value: "api" }, { kind: "literal", value: "v1" }, { kind: "literal", value: "users" }, { kind: "any" }]);
  t.deepEqual(tpl.variables, [{ fieldPath: ["user_id"], start: 3, end: 4 }]);
  t.is(tpl.verb, "follow");
  t.is(parseTemplate("/api/v1/users:batchGet").verb, "batchGet");
  t.is(parseTemplate("/api/v1/users").verb, undefined);
});

test("nested field paths and multi-segment variables", (t) => {
  const tpl = parseTemplate("/v1/{book.name=shelves/*/books/*}");
  t.deepEqual(tpl.variables, [{ fieldPath: ["book", "name"], start: 1, end: 5 }]);
  t.is(tpl.segments.length, 5);
  t.is(tpl.verb, undefined);
});

test("'**' runs to the end of the path, before a verb", (t) => {
  const tpl = parseTemplate("/v1/files/{path=**}:stat");
  t.deepEqual(tpl.variables, [{ fieldPath: ["path"], start: 2, end: undefined }]);
  t.deepEqual(tpl.segments[2], { kind: "deep" });
  t.is(tpl.verb, "stat");
  t.deepEqual(parseTemplate("/v1/{name=projects/*/files/**}").variables[0], { fieldPath: ["name"], start: 1, end: undefined });
});

test("malformed templates are refused with the template in the message", (t) => {
  for (const bad of [
    "v1/users",
    "/v1/{user_id",
    "/v1/{a={b}}",
    "/v1/**/x",
    "/v1/{9lives}",
    "/v1//x",
    "/v1/us{id}ers",
    "/v1/{a}/{a}",
    "/",
    "/v1/x:",
  ]) {
    const err = t.throws(() => parseTemplate(bad), { instanceOf: TemplateError }, bad);
    t.true(err?.message.includes(JSON.stringify(bad)));
  }
});

test("OpenAPI paths keep variables and verbs", (t) => {
  t.is(openApiPath(parseTemplate("/api/v1/users/{user_id}/follow")), "/api/v1/users/{user_id}/follow");
  t.is(openApiPath(parseTemplate("/v1/{book.name=shelves/*/books/*}")), "/v1/{book.name}");
  t.is(openApiPath(parseTemplate("/v1/files/{path=**}")), "/v1/files/{path}");
  t.is(openApiPath(parseTemplate("/api/v1/users:batchGet")), "/api/v1/users:batchGet");
});

test("path values: single segments fully decoded, multi-segment ones keep %2F", (t) => {
  const single = parseTemplate("/v1/users/{name}");
  t.deepEqual(pathValues(single, ["v1", "users", "a%20b%2Fc"]), [{ fieldPath: ["name"], value: "a b/c" }]);
  const multi = parseTemplate("/v1/{name=shelves/*/books/*}");
  t.deepEqual(pathValues(multi, ["v1", "shelves", "s%201", "books", "a%2Fb"]), [{ fieldPath: ["name"], value: "shelves/s 1/books/a%2Fb" }]);
  const deep = parseTemplate("/v1/files/{path=**}");
  t.deepEqual(pathValues(deep, ["v1", "files", "a", "b", "c.txt"]), [{ fieldPath: ["path"], value: "a/b/c.txt" }]);
  t.deepEqual(pathValues(deep, ["v1", "files"]), [{ fieldPath: ["path"], value: "" }]);
  t.throws(() => pathValues(single, ["v1", "users", "%E0%A4%A"]), { instanceOf: PathValueError, message: /'name'/ });
});
