// gRPC server reflection (grpc.reflection.v1 and v1alpha), so grpcurl and
// `buf curl` can list and call every service without local .proto files.
import { create, toBinary, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";

type Request = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;

class DescriptorIndex {
  readonly serviceNames: string[];
  private readonly files = new Map<string, DescFile>();
  private readonly symbols = new Map<string, DescFile>();
  private readonly extensions = new Map<string, Map<number, DescFile>>();
  private readonly encoded = new Map<string, Uint8Array>();

  constructor(services: DescService[]) {
    this.serviceNames = services.map((s) => s.typeName);
    for (const s of services) this.addFile(s.file);
  }

  private addFile(file: DescFile): void {
    if (this.files.has(file.proto.name)) return;
    this.files.set(file.proto.name, file);
    file.dependencies.forEach((d) => this.addFile(d));
    const addMessage = (m: DescMessage) => {
      this.symbols.set(m.typeName, file);
      m.fields.forEach((f) => this.symbols.set(`${m.typeName}.${f.name}`, file));
      m.nestedMessages.forEach(addMessage);
      m.nestedEnums.forEach((e) => this.symbols.set(e.typeName, file));
      m.nestedExtensions.forEach((x) => this.addExtension(x.extendee.typeName, x.number, x.typeName, file));
    };
    file.messages.forEach(addMessage);
    file.enums.forEach((e) => this.symbols.set(e.typeName, file));
    file.extensions.forEach((x) => this.addExtension(x.extendee.typeName, x.number, x.typeName, file));
    for (const s of file.services) {
      this.symbols.set(s.typeName, file);
      s.methods.forEach((m) => this.symbols.set(`${s.typeName}.${m.name}`, file));
    }
  }

  private addExtension(extendee: string, number: number, name: string, file: DescFile): void {
    this.symbols.set(name, file);
    const byNumber = this.extensions.get(extendee) ?? new Map<number, DescFile>();
    byNumber.set(number, file);
    this.extensions.set(extendee, byNumber);
  }

  /** The file, and those of its transitive dependencies not yet sent on this stream. */
  closure(file: DescFile, sent: Set<string>): Uint8Array[] {
    const out: Uint8Array[] = [];
    const visit = (f: DescFile) => {
      if (sent.has(f.proto.name) && f !== file) return;
      sent.add(f.proto.name);
      let bytes = this.encoded.get(f.proto.name);
      if (!bytes) this.encoded.set(f.proto.name, (bytes = toBinary(FileDescriptorProtoSchema, f.proto)));
      out.push(bytes);
      f.dependencies.forEach(visit);
    };
    visit(file);
    return out;
  }

  byFilename = (name: string) => this.files.get(name);
  bySymbol = (name: string) => this.symbols.get(name.replace(/^\./, ""));
  byExtension = (type: string, number: number) => this.extensions.get(type)?.get(number);
  extensionNumbers = (type: string) => (this.extensions.has(type) ? [...this.extensions.get(type)!.keys()] : undefined);
}

// Both versions share one wire shape, so one answer serves both.
function answer(index: DescriptorIndex, req: Request, sent: Set<string>) {
  const notFound = (what: string) =>
    ({ case: "errorResponse", value: { errorCode: 5, errorMessage: `${what} not found` } }) as const;
  const files = (file: DescFile | undefined, what: string) =>
    file
      ? ({ case: "fileDescriptorResponse", value: { fileDescriptorProto: index.closure(file, sent) } } as const)
      : notFound(what);
  const m = req.messageRequest;
  switch (m.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: index.serviceNames.map((name) => ({ name })) } } as const;
    case "fileByFilename":
      return files(index.byFilename(m.value), `file '${m.value}'`);
    case "fileContainingSymbol":
      return files(index.bySymbol(m.value), `symbol '${m.value}'`);
    case "fileContainingExtension":
      return files(
        index.byExtension(m.value.containingType, m.value.extensionNumber),
        `extension ${m.value.extensionNumber} of '${m.value.containingType}'`,
      );
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbers(m.value);
      return numbers
        ? ({ case: "allExtensionNumbersResponse", value: { baseTypeName: m.value, extensionNumber: numbers } } as const)
        : notFound(`type '${m.value}'`);
    }
    default:
      return { case: "errorResponse", value: { errorCode: 3, errorMessage: "unsupported reflection request" } } as const;
  }
}

/** Registers both reflection services for `services` (and themselves). */
export function registerReflection(router: ConnectRouter, services: DescService[]): void {
  const index = new DescriptorIndex([...services, v1.ServerReflection, v1alpha.ServerReflection]);
  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      const sent = new Set<string>();
      for await (const req of requests) {
        yield create(v1.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: answer(index, req, sent),
        });
      }
    },
  });
  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      const sent = new Set<string>();
      for await (const req of requests) {
        yield create(v1alpha.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: answer(index, req, sent),
        });
      }
    },
  });
}
