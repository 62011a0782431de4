/**
 * Runs the five services as child processes on this machine, each logging to
 * `<dataDir>/logs/<service>.log`, and stops them with SIGTERM (graceful shutdown).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, SERVICE_NAMES, SERVICE_PORTS, type ServiceName } from "@kruispunt/service-kit";

export interface RunningServices {
  processes: Map<ServiceName, ChildProcess>;
  /** Where each service listens (http://127.0.0.1:<default port + offset>). */
  urls: Record<ServiceName, string>;
  /** SIGTERM to every service; resolves when all exited (SIGKILL after `graceMs`). */
  stop: (graceMs?: number) => Promise<void>;
  /** Stops one service gracefully and starts it again (e.g. after a key rotation). */
  restart: (service: ServiceName) => Promise<void>;
  /**
   * SIGTERM to one service (graceful shutdown: it drains, see service-kit's
   * runService); resolves with its exit code once it is gone (null if a signal
   * ended it: SIGKILL after `graceMs`, default 30 000).
   */
  terminate: (service: ServiceName, graceMs?: number) => Promise<number | null>;
  /** SIGKILL to one service (a crash: no drain, no commit); resolves when it is gone. */
  kill: (service: ServiceName) => Promise<void>;
  /** Starts a service that is not running (after `kill`), with the same environment. */
  start: (service: ServiceName) => void;
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/**
 * Spawns every service with `env` added to this process's environment, each on its
 * default port plus `portOffset` (default KRUISPUNT_PORT_OFFSET, else 0; so a test run
 * or a second checkout can sit beside a running demo), and
 * tells each where the others listen (KRUISPUNT_<SERVICE>_URL).
 */
export function startServices(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  portOffset = Number(env.KRUISPUNT_PORT_OFFSET ?? process.env.KRUISPUNT_PORT_OFFSET ?? 0),
): RunningServices {
  const logs = join(dataDir, "logs");
  mkdirSync(logs, { recursive: true });
  const processes = new Map<ServiceName, ChildProcess>();
  const serviceUrls = Object.fromEntries(
    SERVICE_NAMES.map((s) => [s, `http://127.0.0.1:${SERVICE_PORTS[s] + portOffset}`]),
  ) as Record<ServiceName, string>;
  const urls = Object.fromEntries(
    SERVICE_NAMES.map((s) => [`KRUISPUNT_${s.toUpperCase()}_URL`, serviceUrls[s]]),
  );
  const spawnService = (service: ServiceName) => {
    const log = openSync(join(logs, `${service}.log`), "a");
    // KRUISPUNT_PROFILE_DIR: each service writes a V8 CPU profile there when it stops
    // (node refuses --cpu-prof in NODE_OPTIONS, so benchmarks cannot pass it that way).
    const profile = process.env.KRUISPUNT_PROFILE_DIR;
    const child = spawn(
      process.execPath,
      [
        ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []),
        "--import",
        "tsx",
        join(REPO_ROOT, "services", service, "src", "main.ts"),
      ],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ...urls,
          ...env,
          KRUISPUNT_DATA_DIR: dataDir,
          PORT: String(SERVICE_PORTS[service] + portOffset),
        },
        stdio: ["ignore", log, log],
      },
    );
    processes.set(service, child);
  };
  for (const service of SERVICE_NAMES) spawnService(service);
  // Never leave services behind when this process ends (a failed test, Ctrl-C).
  process.once("exit", () => {
    for (const child of processes.values()) if (child.exitCode === null) child.kill("SIGTERM");
  });
  return {
    processes,
    urls: serviceUrls,
    stop: async (graceMs = 15_000) => {
      await Promise.all([...processes.values()].map((child) => stopChild(child, graceMs)));
    },
    restart: async (service) => {
      const child = processes.get(service);
      if (child) await stopChild(child, 15_000);
      spawnService(service);
    },
    terminate: async (service, graceMs = 30_000) => {
      const child = processes.get(service);
      if (!child) throw new Error(`${service} was never started`);
      await stopChild(child, graceMs);
      return child.exitCode;
    },
    kill: async (service) => {
      const child = processes.get(service);
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await gone;
    },
    start: (service) => {
      const child = processes.get(service);
      if (child && child.exitCode === null && child.signalCode === null)
        throw new Error(`${service} is still running`);
      spawnService(service);
    },
  };
}

/** Rejects as soon as any service exits on its own (so a crash does not look like a hang). */
export function failOnExit(running: RunningServices, logsDir: string): Promise<never> {
  return new Promise((_resolve, reject) => {
    for (const [service, child] of running.processes) {
      child.once("exit", (code, signal) => {
        reject(
          new Error(
            `service ${service} exited (${signal ?? code}); see ${join(logsDir, `${service}.log`)}`,
          ),
        );
      });
    }
  });
}

/**
 * The line `kruispunt up` prints once every service answers /health/ready: each
 * service with its URL, in SERVICE_NAMES order, e.g.
 * "services ready: intake http://127.0.0.1:8081, pseudonymiser http://127.0.0.1:8082, …".
 */
export function readyLine(urls: Record<ServiceName, string>): string {
  return `services ready: ${SERVICE_NAMES.map((s) => `${s} ${urls[s]}`).join(", ")}`;
}
