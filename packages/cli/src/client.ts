/**
 * A small HTTP client for the five services, as the three personas use them.
 * Tokens come from KRUISPUNT_TOKEN or, on a local deployment, are signed with the
 * local issuer's secret.
 */
import { type Claims, issueToken, readOrCreateJwtSecret } from "@kruispunt/auth";
import { keyFiles, SERVICE_PORTS, type ServiceName } from "@kruispunt/service-kit";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    const detail =
      (body as { message?: string; code?: string } | null)?.message ?? JSON.stringify(body);
    super(
      `${what}: HTTP ${status} ${(body as { code?: string } | null)?.code ?? ""} ${detail}`.trim(),
    );
  }
}

export interface ClientOptions {
  keysDir: string;
  /**
   * Base URLs by service; default KRUISPUNT_<SERVICE>_URL, else
   * http://127.0.0.1:<default port + KRUISPUNT_PORT_OFFSET>.
   */
  urls?: Partial<Record<ServiceName, string>>;
  env?: NodeJS.ProcessEnv;
}

export class KruispuntClient {
  private readonly urls: Record<ServiceName, string>;

  constructor(private readonly options: ClientOptions) {
    const env = options.env ?? process.env;
    this.urls = Object.fromEntries(
      (Object.keys(SERVICE_PORTS) as ServiceName[]).map((s) => [
        s,
        options.urls?.[s] ??
          env[`KRUISPUNT_${s.toUpperCase()}_URL`] ??
          `http://127.0.0.1:${SERVICE_PORTS[s] + Number(env.KRUISPUNT_PORT_OFFSET ?? 0)}`,
      ]),
    ) as Record<ServiceName, string>;
  }

  /** Base URL of `service` (no trailing slash). */
  url(service: ServiceName): string {
    return this.urls[service];
  }

  /** A bearer token for `claims`: KRUISPUNT_TOKEN if set, else one from the local issuer. */
  token(claims: Claims): string {
    const env = this.options.env ?? process.env;
    if (env.KRUISPUNT_TOKEN) return env.KRUISPUNT_TOKEN;
    return issueToken(readOrCreateJwtSecret(keyFiles(this.options.keysDir).jwtSecret), claims);
  }

  /**
   * fetch, with a connection failure named: Node's own error says only "fetch failed",
   * which leaves a user to guess which service, at which address, did not answer.
   */
  private async send(service: ServiceName, path: string, init: RequestInit): Promise<Response> {
    const url = `${this.urls[service]}${path}`;
    try {
      return await fetch(url, init);
    } catch (error) {
      const cause =
        (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new Error(
        `cannot reach the ${service} service at ${this.urls[service]} (${cause}): is it running? Its address comes from KRUISPUNT_${service.toUpperCase()}_URL, else port ${SERVICE_PORTS[service]} + KRUISPUNT_PORT_OFFSET`,
      );
    }
  }

  /** Sends a request as `as`; resolves with the parsed JSON, rejects with ApiError on a non-2xx. */
  async request<T>(
    service: ServiceName,
    method: string,
    path: string,
    as: Claims,
    body?: unknown,
    contentType = "application/json",
  ): Promise<T> {
    const init: RequestInit & { duplex?: "half" } = {
      method,
      headers: {
        authorization: `Bearer ${this.token(as)}`,
        ...(body !== undefined ? { "content-type": contentType } : {}),
      },
    };
    if (body !== undefined) {
      init.body =
        contentType === "application/json" ? JSON.stringify(body) : (body as RequestInit["body"]);
      if (typeof (body as { pipe?: unknown }).pipe === "function" || body instanceof ReadableStream)
        init.duplex = "half";
    }
    const response = await this.send(service, path, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text (file downloads)
    }
    if (!response.ok) throw new ApiError(response.status, parsed, `${method} ${service}${path}`);
    return parsed as T;
  }

  /** Downloads a file's raw text. */
  async download(service: ServiceName, path: string, as: Claims): Promise<string> {
    const response = await this.send(service, path, {
      headers: { authorization: `Bearer ${this.token(as)}` },
    });
    const text = await response.text();
    if (!response.ok) throw new ApiError(response.status, text, `GET ${service}${path}`);
    return text;
  }

  /** GET `path` as `as`; resolves with the Response (body unread), rejects with ApiError on a non-2xx. */
  async fetch(service: ServiceName, path: string, as: Claims): Promise<Response> {
    const response = await this.send(service, path, {
      headers: { authorization: `Bearer ${this.token(as)}` },
    });
    if (!response.ok) {
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      throw new ApiError(response.status, body, `GET ${service}${path}`);
    }
    return response;
  }

  /** Resolves once every service answers /health/ready, rejects after `timeoutMs`. */
  async waitReady(services: ServiceName[], timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const s of services) {
      for (;;) {
        try {
          const r = await fetch(`${this.urls[s]}/health/ready`, {
            signal: AbortSignal.timeout(5_000),
          });
          if (r.ok) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline)
          throw new Error(`${s} did not become ready within ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}
