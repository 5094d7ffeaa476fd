// The containers one smoke run starts: each labelled with the run, so all of them can
// be found and removed, also after a failure.
import { component, environment, runFlags, type Container, type Doc, type PodSpec, type Rendered } from "./pod-spec.js";
import { must, run, sleep } from "./proc.js";

export interface Started {
  name: string;
  /** What it runs as: the workload's component. */
  role: string;
}

export class Containers {
  readonly started: Started[] = [];

  constructor(
    private readonly image: string,
    /** key=value: every container of this run carries it. */
    readonly label: string,
    private readonly namespace: string,
    /** Names resolved to loopback (the chart's Service names), where --network host puts every port. */
    private readonly hosts: string[],
  ) {}

  /** Starts one container of a pod (detached); the env travels through the client's environment, PEM keys included. */
  async start(name: string, role: string, pod: PodSpec, c: Container, env: Record<string, string>): Promise<void> {
    if (c.image !== this.image) throw new Error(`${c.name}: image ${c.image}, expected ${this.image}`);
    const [entry, ...rest] = c.command ?? [];
    const args = [
      "run", "-d", "--name", name, "--label", this.label, "--network", "host",
      ...this.hosts.flatMap((h) => ["--add-host", `${h}:127.0.0.1`]),
      ...runFlags(pod, c),
      ...Object.keys(env).flatMap((k) => ["-e", k]),
      ...(entry ? ["--entrypoint", entry] : []),
      this.image, ...rest, ...(c.args ?? []),
    ];
    this.started.push({ name, role });
    await must("docker", args, `docker run ${name}`, { env: { ...process.env, ...env }, timeoutMs: 30_000 });
  }

  /** Removes a container and forgets it. */
  async remove(name: string): Promise<void> {
    await run("docker", ["rm", "-f", name], { timeoutMs: 15_000 });
    const i = this.started.findIndex((x) => x.name === name);
    if (i >= 0) this.started.splice(i, 1);
  }

  async state(name: string): Promise<{ status: string; exitCode: number }> {
    const out = await must("docker", ["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name], `docker inspect ${name}`, { timeoutMs: 10_000 });
    const [status = "?", code = "0"] = out.trim().split(" ");
    return { status, exitCode: Number(code) };
  }

  async logs(name: string, lines: number): Promise<string> {
    const r = await run("docker", ["logs", "--tail", String(lines), name], { timeoutMs: 10_000 });
    return (r.stdout + r.stderr).trim();
  }

  /** Waits for a container to exit; its exit code (throws after timeoutMs). */
  async waitExit(name: string, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.state(name);
      if (s.status === "exited" || s.status === "dead") return s.exitCode;
      if (Date.now() > deadline) throw new Error(`${name} still ${s.status} after ${timeoutMs / 1000}s`);
      await sleep(250);
    }
  }

  /** Runs a pod's init containers one after another, each to a 0 exit. */
  async runInit(r: Rendered, d: Doc, pod: PodSpec, podName: string, timeoutMs: number): Promise<void> {
    for (const c of pod.initContainers ?? []) await this.runOnce(r, d, pod, c, podName, timeoutMs);
  }

  /** Runs a Job's pod to completion: its init containers, then its containers. */
  async runJob(r: Rendered, d: Doc, timeoutMs: number): Promise<void> {
    const pod = d.spec!.template!.spec;
    await this.runInit(r, d, pod, `${d.metadata.name}-smoke`, timeoutMs);
    for (const c of pod.containers) await this.runOnce(r, d, pod, c, `${d.metadata.name}-smoke`, timeoutMs);
  }

  /** Removes every container of this run. */
  async removeAll(): Promise<number> {
    const ids = (await run("docker", ["ps", "-aq", "--filter", `label=${this.label}`], { timeoutMs: 15_000 })).stdout.split("\n").filter(Boolean);
    if (ids.length) {
      const rm = await run("docker", ["rm", "-f", ...ids], { timeoutMs: 60_000 });
      if (rm.code !== 0) throw new Error(`docker rm -f failed: ${rm.stderr.trim()}`);
    }
    return ids.length;
  }

  private async runOnce(r: Rendered, d: Doc, pod: PodSpec, c: Container, podName: string, timeoutMs: number): Promise<void> {
    const name = `${d.metadata.name}-${c.name}`;
    await this.start(name, component(d), pod, c, environment(r, c, podName, this.namespace));
    const code = await this.waitExit(name, timeoutMs);
    if (code !== 0) throw new Error(`${name} exited with ${code}:\n${await this.logs(name, 30)}`);
  }
}
