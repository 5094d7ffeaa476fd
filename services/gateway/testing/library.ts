// A test-only service whose google.api.http rules use what Chirp's own
// contracts do not (yet): multi-segment and "**" variables, nested field
// paths, a named body field, response_body, custom verbs, enums, maps,
// wrappers, nested and repeated query parameters. Built as a descriptor in
// code, so the transcoder is tested on the spec rather than on our routes.
import { create, createFileRegistry, setExtension, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import {
  DescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
  FileDescriptorProtoSchema,
  MethodOptionsSchema,
} from "@bufbuild/protobuf/wkt";
import { file_google_api_annotations, http } from "../../../gen/google/api/annotations_pb.js";
import { HttpRuleSchema } from "../../../gen/google/api/http_pb.js";

const PKG = "test.library.v1";

type Ref = { type: Type; typeName: string };
type FieldSpec = [name: string, number: number, type: Type | Ref, repeated?: boolean, oneof?: number];

function message(name: string, fields: FieldSpec[], extra: Omit<MessageInitShape<typeof DescriptorProtoSchema>, "name" | "field" | "$typeName"> = {}) {
  return create(DescriptorProtoSchema, {
    name,
    field: fields.map(([fname, number, type, repeated, oneof]) => ({
      name: fname,
      number,
      jsonName: fname.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
      label: repeated ? Label.REPEATED : Label.OPTIONAL,
      ...(typeof type === "object" ? type : { type }),
      ...(oneof !== undefined ? { oneofIndex: oneof } : {}),
    })),
    ...extra,
  });
}

const rule = (init: MessageInitShape<typeof HttpRuleSchema>) => {
  const options = create(MethodOptionsSchema);
  setExtension(options, http, create(HttpRuleSchema, init));
  return options;
};

const T = (n: string) => `.${PKG}.${n}`;
const M = (n: string): Ref => ({ type: Type.MESSAGE, typeName: n.startsWith(".") ? n : T(n) });
const E = (n: string): Ref => ({ type: Type.ENUM, typeName: T(n) });

const file = create(FileDescriptorProtoSchema, {
  name: "test/library/v1/library.proto",
  package: PKG,
  syntax: "proto3",
  dependency: ["google/api/annotations.proto", "google/protobuf/timestamp.proto", "google/protobuf/wrappers.proto"],
  enumType: [{ name: "Genre", value: [{ name: "GENRE_UNSPECIFIED", number: 0 }, { name: "GENRE_FICTION", number: 1 }, { name: "GENRE_POETRY", number: 2 }] }],
  messageType: [
    message("Author", [["name", 1, Type.STRING], ["born", 2, Type.INT32]]),
    message("Book", [
      ["name", 1, Type.STRING],
      ["title", 2, Type.STRING],
      ["pages", 3, Type.INT64],
      ["genre", 4, E("Genre")],
      ["tags", 5, Type.STRING, true],
      ["published", 6, M(".google.protobuf.Timestamp")],
      ["author", 7, M("Author")],
    ]),
    message("GetBookRequest", [["name", 1, Type.STRING]]),
    message("DeleteBookRequest", [["name", 1, Type.STRING]]),
    message("Empty", []),
    message("ListBooksRequest", [["shelf", 1, Type.STRING], ["page_size", 2, Type.INT32]]),
    message("ListBooksResponse", [["books", 1, M("Book"), true], ["next_cursor", 2, Type.STRING], ["has_more", 3, Type.BOOL]]),
    message("CreateBookRequest", [["shelf", 1, Type.STRING], ["book", 2, M("Book")]]),
    message("CreateBookResponse", [["book", 1, M("Book")], ["created", 2, Type.BOOL]]),
    message("UpdateBookRequest", [["book", 1, M("Book")], ["validate_only", 2, Type.BOOL]]),
    message("File", [["path", 1, Type.STRING], ["content", 2, Type.BYTES], ["size", 3, Type.INT64]]),
    message("GetFileRequest", [["path", 1, Type.STRING]]),
    message("GetFileResponse", [["file", 1, M("File")]]),
    message("Range", [["min", 1, Type.INT64], ["max", 2, Type.INT64]]),
    message("Filter", [["year", 1, Type.INT32], ["pages", 2, M("Range")]]),
    message(
      "SearchRequest",
      [
        ["tags", 1, Type.STRING, true],
        ["filter", 2, M("Filter")],
        ["genre", 3, E("Genre")],
        ["exact", 4, Type.BOOL],
        ["min_rating", 5, Type.DOUBLE],
        ["ids", 6, Type.INT64, true],
        ["since", 7, M(".google.protobuf.Timestamp")],
        ["max", 8, M(".google.protobuf.Int32Value")],
        ["genres", 9, E("Genre"), true],
        ["token", 10, Type.BYTES],
        ["labels", 11, M("SearchRequest.LabelsEntry"), true],
        ["authors", 12, M("Author"), true],
      ],
      {
        nestedType: [
          message("LabelsEntry", [["key", 1, Type.STRING], ["value", 2, Type.STRING]], { options: { mapEntry: true } }),
        ],
      },
    ),
    message("SearchResponse", [["books", 1, M("Book"), true], ["total", 2, Type.INT64]]),
    message("ArchiveRequest", [["shelf", 1, Type.STRING], ["reason", 2, Type.STRING], ["shelf_id", 3, Type.INT64]]),
    message("ArchiveResponse", [["archived", 1, Type.BOOL]]),
    message("WatchRequest", [["shelf", 1, Type.STRING]]),
    message("WatchResponse", [["book", 1, M("Book"), false, 0], ["removed", 2, Type.STRING, false, 0]], { oneofDecl: [{ name: "event" }] }),
  ],
  service: [
    {
      name: "LibraryService",
      method: [
        { name: "GetBook", inputType: T("GetBookRequest"), outputType: T("Book"), options: rule({ pattern: { case: "get", value: "/v1/{name=shelves/*/books/*}" } }) },
        {
          name: "DeleteBook",
          inputType: T("DeleteBookRequest"),
          outputType: T("Empty"),
          options: rule({ pattern: { case: "delete", value: "/v1/{name=shelves/*/books/*}" } }),
        },
        {
          name: "ListBooks",
          inputType: T("ListBooksRequest"),
          outputType: T("ListBooksResponse"),
          options: rule({ pattern: { case: "get", value: "/v1/shelves/{shelf}/books" } }),
        },
        {
          name: "CreateBook",
          inputType: T("CreateBookRequest"),
          outputType: T("CreateBookResponse"),
          options: rule({ pattern: { case: "post", value: "/v1/shelves/{shelf}/books" }, body: "book", responseBody: "book" }),
        },
        {
          name: "UpdateBook",
          inputType: T("UpdateBookRequest"),
          outputType: T("Book"),
          options: rule({ pattern: { case: "patch", value: "/v1/{book.name=shelves/*/books/*}" }, body: "book" }),
        },
        {
          name: "GetFile",
          inputType: T("GetFileRequest"),
          outputType: T("GetFileResponse"),
          options: rule({ pattern: { case: "get", value: "/v1/files/{path=**}" }, responseBody: "file" }),
        },
        { name: "Search", inputType: T("SearchRequest"), outputType: T("SearchResponse"), options: rule({ pattern: { case: "get", value: "/v1/books:search" } }) },
        {
          name: "Archive",
          inputType: T("ArchiveRequest"),
          outputType: T("ArchiveResponse"),
          options: rule({
            pattern: { case: "post", value: "/v1/shelves/{shelf}:archive" },
            body: "*",
            additionalBindings: [{ pattern: { case: "put", value: "/v1/archive/{shelf_id}" }, body: "*" }],
          }),
        },
        {
          name: "Watch",
          inputType: T("WatchRequest"),
          outputType: T("WatchResponse"),
          serverStreaming: true,
          options: rule({ pattern: { case: "get", value: "/v1/shelves/{shelf}/watch" } }),
        },
      ],
    },
  ],
});

const deps = new Map([
  ["google/api/annotations.proto", file_google_api_annotations],
  ["google/protobuf/timestamp.proto", file_google_protobuf_timestamp],
  ["google/protobuf/wrappers.proto", file_google_protobuf_wrappers],
]);

export const libraryRegistry = createFileRegistry(file, (name) => deps.get(name));
export const LibraryService = libraryRegistry.getService(`${PKG}.LibraryService`) as DescService;
export const libraryMessage = (name: string) => {
  const m = libraryRegistry.getMessage(`${PKG}.${name}`);
  if (!m) throw new Error(`no message ${name}`);
  return m;
};
