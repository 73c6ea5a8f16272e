import { CoreRequestError } from "../sdk/errors.ts";

/** Core's operator routes (`/core/admin/*`, bearer FOURMICA_ADMIN_TOKEN; docs/core-api.md). */
export interface AdminClient {
  status(): Promise<Record<string, unknown>>;
  pauseIssuance(reason: string): Promise<IssuanceSwitchAnswer>;
  resumeIssuance(reason: string): Promise<IssuanceSwitchAnswer>;
}

export interface IssuanceSwitchAnswer {
  issuance: { paused: boolean; reason: string; changedAt: string };
  changed: boolean;
}

export function createAdminClient({
  url,
  token,
  fetch: doFetch = fetch,
}: {
  url: string;
  token: string;
  fetch?: typeof fetch;
}): AdminClient {
  const base = url.replace(/\/+$/, "");
  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await doFetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new CoreRequestError(
        res.status,
        `Core ${method} ${path} answered ${res.status}: ${error?.message ?? text.slice(0, 200)}`,
        { status: res.status, coreCode: error?.code },
      );
    }
    return parsed as T;
  }
  return {
    status: () => call("GET", "/core/admin/status"),
    pauseIssuance: (reason) => call("POST", "/core/admin/issuance/pause", { reason }),
    resumeIssuance: (reason) => call("POST", "/core/admin/issuance/resume", { reason }),
  };
}
