// Gathers the third-party .proto files that our contracts import, from npm
// packages only, so `buf generate` / `buf lint` work offline (the Buf Schema
// Registry is unreachable here). Output: .proto-deps/, a second buf module.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { file_buf_validate_validate } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { printProto } from "./print-proto.js";

const require = createRequire(import.meta.url);
const root = join(dirname(new URL(import.meta.url).pathname), "../..");
const out = join(root, ".proto-deps");

function pkgDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

const copies: Array<[from: string, to: string]> = [
  [join(pkgDir("google-proto-files"), "google/api/annotations.proto"), "google/api/annotations.proto"],
  [join(pkgDir("google-proto-files"), "google/api/http.proto"), "google/api/http.proto"],
  [join(pkgDir("grpc-health-check"), "proto/health/v1/health.proto"), "grpc/health/v1/health.proto"],
  [join(pkgDir("@grpc/reflection"), "build/proto/grpc/reflection/v1/reflection.proto"), "grpc/reflection/v1/reflection.proto"],
  [join(pkgDir("@grpc/reflection"), "build/proto/grpc/reflection/v1alpha/reflection.proto"), "grpc/reflection/v1alpha/reflection.proto"],
];

rmSync(out, { recursive: true, force: true });
for (const [from, to] of copies) {
  mkdirSync(dirname(join(out, to)), { recursive: true });
  cpSync(from, join(out, to));
}
// @bufbuild/protovalidate ships no .proto source, only the compiled descriptor:
// print it back to source. Field numbers and types are exact; rule options are
// dropped because the validator reads them from its own copy at run time.
const validate = join(out, "buf/validate/validate.proto");
mkdirSync(dirname(validate), { recursive: true });
writeFileSync(validate, printProto(file_buf_validate_validate.proto));
console.log(`proto deps written to ${out}`);
