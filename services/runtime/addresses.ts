// Where each service is called. A service started in this process is called
// where it actually listens, whatever port was configured; one elsewhere at
// its CHIRP_<SERVICE>_ADDR, or, in the embedded mode, on 127.0.0.1 at its
// configured port.
import { Code, ConnectError } from "@connectrpc/connect";
import type { ChirpConfig, ServiceName } from "./config.js";

export const addrVariable = (name: ServiceName) => `CHIRP_${name.toUpperCase()}_ADDR`;

export class Addresses {
  private readonly here = new Map<ServiceName, string>();

  constructor(private readonly config: Pick<ChirpConfig, "mode" | "addrs" | "ports">) {}

  /** A target of this process now serves `name` at `url`. */
  serving(name: ServiceName, url: string): void {
    this.here.set(name, url);
  }

  /** Resolves what it can; undefined for a cluster-mode service with no address. */
  find(name: ServiceName): string | undefined {
    const here = this.here.get(name);
    if (here) return here;
    const configured = this.config.addrs[name];
    if (configured) return configured;
    return this.config.mode === "embedded" ? `http://127.0.0.1:${this.config.ports[name]}` : undefined;
  }

  /** As find(), but a missing address is an UNAVAILABLE call naming the variable to set. */
  get(name: ServiceName): string {
    const url = this.find(name);
    if (url) return url;
    throw new ConnectError(`the ${name} service has no address: set ${addrVariable(name)}`, Code.Unavailable);
  }
}
