// Shapes the UI reads from the API. The API's own contract is the OpenAPI document at /openapi.json;
// these are the fields the pages use.

export interface SessionInfo {
  user: { id: string; email: string; display_name: string; role: string } | null;
  scopes: string[];
  csrf_token: string;
  expires_at: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  reason?: string;
  errors?: { path: string; message: string }[];
}

export interface ListPage<T> {
  data: T[];
  next_cursor?: string | null;
}
