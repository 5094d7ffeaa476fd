import test from "ava";
import { create, createRegistry } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { file_buf_validate_validate, ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { toBinary } from "@bufbuild/protobuf";
import { FieldDescriptorProto_Type } from "@bufbuild/protobuf/wkt";
import { errorResponse, HttpError } from "./errors.js";

const registry = createRegistry(file_buf_validate_validate);

test("gRPC codes map to the standard HTTP statuses and lower-snake names", (t) => {
  const table: Array<[Code, number, string]> = [
    [Code.InvalidArgument, 400, "invalid_argument"],
    [Code.FailedPrecondition, 400, "failed_precondition"],
    [Code.OutOfRange, 400, "out_of_range"],
    [Code.Unauthenticated, 401, "unauthenticated"],
    [Code.PermissionDenied, 403, "permission_denied"],
    [Code.NotFound, 404, "not_found"],
    [Code.AlreadyExists, 409, "already_exists"],
    [Code.Aborted, 409, "aborted"],
    [Code.ResourceExhausted, 429, "resource_exhausted"],
    [Code.Canceled, 499, "cancelled"],
    [Code.Unimplemented, 501, "unimplemented"],
    [Code.Unavailable, 503, "unavailable"],
    [Code.DeadlineExceeded, 504, "deadline_exceeded"],
    [Code.Internal, 500, "internal"],
    [Code.Unknown, 500, "unknown"],
    [Code.DataLoss, 500, "data_loss"],
  ];
  t.is(table.length, 16);
  for (const [code, status, name] of table) {
    const r = errorResponse(new ConnectError("why", code), registry);
    t.is(r.status, status, Code[code]);
    t.deepEqual(r.body, { code: name, message: "why", details: [] });
  }
});

test("details: known types decoded to JSON with @type, unknown ones kept as base64", (t) => {
  const violations = create(ViolationsSchema, { violations: [{ ruleId: "string.min_len", message: "too short" }] });
  const err = new ConnectError("bad", Code.InvalidArgument);
  err.details.push(
    { type: "buf.validate.Violations", value: toBinary(ViolationsSchema, violations) },
    { type: "acme.Secret", value: new Uint8Array([1, 2, 3]) },
  );
  t.deepEqual(errorResponse(err, registry).body.details, [
    { "@type": "type.googleapis.com/buf.validate.Violations", violations: [{ rule_id: "string.min_len", message: "too short" }] },
    { "@type": "type.googleapis.com/acme.Secret", value: "AQID" },
  ]);
  const local = new ConnectError("bad", Code.InvalidArgument, undefined, [{ desc: ViolationsSchema, value: violations }]);
  t.deepEqual(errorResponse(local, registry).body.details[0], {
    "@type": "type.googleapis.com/buf.validate.Violations",
    violations: [{ rule_id: "string.min_len", message: "too short" }],
  });
});

test("details use the proto field names; a violation's field path keeps the proto names protovalidate reports", (t) => {
  const violations = create(ViolationsSchema, {
    violations: [
      {
        ruleId: "string.prefix",
        message: "does not have prefix `https://`",
        forKey: false,
        field: { elements: [{ fieldNumber: 2, fieldName: "media_urls", fieldType: FieldDescriptorProto_Type.STRING, subscript: { case: "index", value: 0n } }] },
      },
    ],
  });
  const err = new ConnectError("bad", Code.InvalidArgument);
  err.details.push({ type: "buf.validate.Violations", value: toBinary(ViolationsSchema, violations) });
  const expected = {
    "@type": "type.googleapis.com/buf.validate.Violations",
    violations: [
      {
        rule_id: "string.prefix",
        message: "does not have prefix `https://`",
        for_key: false,
        field: { elements: [{ field_number: 2, field_name: "media_urls", field_type: "TYPE_STRING", index: "0" }] },
      },
    ],
  };
  t.deepEqual(errorResponse(err, registry).body.details, [expected]);
  const local = new ConnectError("bad", Code.InvalidArgument, undefined, [{ desc: ViolationsSchema, value: violations }]);
  t.deepEqual(errorResponse(local, registry).body.details, [expected]);
});

test("the gateway's own errors keep their status and headers; anything else is a bare 500", (t) => {
  const r = errorResponse(new HttpError(405, "unimplemented", "no", { allow: "GET" }), registry);
  t.deepEqual(r, { status: 405, body: { code: "unimplemented", message: "no", details: [] }, headers: { allow: "GET" }, internal: false });
  const boom = errorResponse(new Error("at /srv/secret: password=hunter2"), registry);
  t.deepEqual(boom.body, { code: "internal", message: "internal error", details: [] });
  t.true(boom.internal);
});
