// Server interceptors, outermost first: request scope + access log + metrics +
// error mapping; authentication; request validation.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { Code, ConnectError, type Interceptor, type StreamResponse, type UnaryResponse } from "@connectrpc/connect";
import { createValidator, violationsToProto } from "@bufbuild/protovalidate";
import { pathToString } from "@bufbuild/protobuf/reflect";
import type { DescMessage } from "@bufbuild/protobuf";
import { bearerToken, callerKey, type TokenVerifier } from "./auth.js";
import { isShed, toConnectError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { RpcMetrics } from "./metrics.js";
import { REQUEST_ID_HEADER, requestScope, sanitizeRequestId } from "./request-context.js";
import { ShedLog } from "./shed-log.js";

function codeName(code: Code | undefined): string {
  return code === undefined ? "OK" : Code[code];
}

/** Request id, access log, metrics, and the one error mapping. */
export function observe(logger: Logger, metrics: RpcMetrics): Interceptor {
  // A call that failed because a service it called refused for overload:
  // counted, and logged once a second with the count (shed-log.ts), not
  // one line (with a stack) per call. This server's own refusals never get
  // here: the admission limit answers them outside these interceptors.
  const relayed = new ShedLog(logger, "shed calls: overloaded downstream", "methods");
  return (next) => async (req) => {
    const requestId = sanitizeRequestId(req.header.get(REQUEST_ID_HEADER)) ?? randomUUID();
    const authorization = req.header.get("authorization") ?? undefined;
    const started = process.hrtime.bigint();
    // Built when a line is written: most calls succeed and "rpc ok" is debug.
    const log = () => logger.child({ requestId, rpc: `${req.service.typeName}/${req.method.name}` });
    const finish = (err?: unknown): ConnectError | undefined => {
      const mapped = err === undefined ? undefined : toConnectError(err);
      const code = codeName(mapped?.error.code);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { service: req.service.typeName, method: req.method.name, code };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
      if (mapped && isShed(mapped.error)) relayed.note(`${req.service.typeName}/${req.method.name}`);
      else if (mapped?.internal) log().error({ err, code, ms: seconds * 1e3 }, "rpc failed");
      else if (mapped) log().info({ code, reason: mapped.error.rawMessage, ms: seconds * 1e3 }, "rpc refused");
      else if (logger.isLevelEnabled("debug")) log().debug({ code, ms: seconds * 1e3 }, "rpc ok");
      return mapped?.error;
    };
    return requestScope.run({ requestId, authorization }, async () => {
      let res: UnaryResponse | StreamResponse;
      try {
        res = await next(req);
      } catch (err) {
        throw finish(err);
      }
      res.header.set(REQUEST_ID_HEADER, requestId);
      if (!res.stream) {
        finish();
        return res;
      }
      const inner = res.message[Symbol.asyncIterator]();
      // The stream is read after this returns: each step runs in the call's scope, so the calls it makes carry the caller's token.
      const inScope = AsyncLocalStorage.snapshot();
      return {
        ...res,
        message: (async function* () {
          let ended = false;
          try {
            for (;;) {
              const r = await inScope(() => inner.next());
              if (r.done) break;
              yield r.value;
            }
            ended = true;
          } catch (err) {
            ended = true;
            throw finish(err);
          } finally {
            // The reader stopped early (a cancel): the handler's stream ends too.
            if (!ended) await inner.return?.();
          }
          finish();
        })(),
      };
    });
  };
}

/** Verifies a bearer token when one is sent, and exposes the caller. */
export function authenticate(verifier: TokenVerifier): Interceptor {
  return (next) => async (req) => {
    const token = bearerToken(req.header.get("authorization"));
    if (token !== undefined) req.contextValues.set(callerKey, await verifier.verify(token));
    return next(req);
  };
}

const validator = createValidator();

function check(schema: DescMessage, message: unknown): void {
  const result = validator.validate(schema, message as never);
  if (result.kind === "valid") return;
  if (result.kind === "error") throw result.error; // a broken rule is our bug: INTERNAL
  const text = result.violations
    .map((v) => `${pathToString(v.field) || "(request)"}: ${v.message}`)
    .join("; ");
  const [proto, desc] = violationsToProto(result.violations);
  throw new ConnectError(text, Code.InvalidArgument, undefined, [{ desc, value: proto }]);
}

/** Checks every request message against its protovalidate rules. */
export function validate(): Interceptor {
  return (next) => async (req) => {
    if (!req.stream) {
      check(req.method.input, req.message);
      return next(req);
    }
    const inner = req.message;
    const schema = req.method.input;
    return next({
      ...req,
      message: (async function* () {
        for await (const m of inner) {
          check(schema, m);
          yield m;
        }
      })(),
    });
  };
}
