// The dashboard's JSON API (dashboard/dashboard.hpp). The session cookie is HttpOnly: scripts
// never see the credential. Unsafe methods carry JSON, so the server's Origin and content-type
// checks pass for this page and nobody else.
export class ApiError extends Error {
  constructor(public status: number, message: string, public reason = '') {
    super(message);
  }
}

let onSignedOut: () => void = () => {};
export const setSignedOutHandler = (f: () => void) => { onSignedOut = f; };

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, init);
  let data: any = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  if (!response.ok) {
    if (response.status === 401 && path !== '/api/session') onSignedOut();
    throw new ApiError(response.status, data.error ?? `the dashboard answered ${response.status}`, data.reason ?? '');
  }
  return data as T;
}

export interface Permissions {
  connections: Record<'list' | 'get' | 'create' | 'patch' | 'delete', boolean>;
  secrets: Record<'list' | 'get' | 'create' | 'patch' | 'delete', boolean>;
  share?: boolean;   // may create the Role and RoleBinding that grant `use` in the namespace
}

export const permissions = (namespace: string) =>
  api<Permissions>('GET', `/api/permissions?namespace=${encodeURIComponent(namespace)}`);
