/** The logged-in user's tokens: the access token in memory and the refresh token in
 * sessionStorage (gone with the tab), refreshed shortly before the access token expires. */

interface Tokens {
  access: string;
  refresh: string;
  expiresAt: number; // epoch ms
}

const KEY = "smsgw.session";
const EARLY_MS = 30_000;
type Listener = (loggedIn: boolean) => void;

class Session {
  private tokens: Tokens | null = null;
  private refreshing: Promise<string | null> | null = null;
  private listeners = new Set<Listener>();

  constructor() {
    const stored = globalThis.sessionStorage?.getItem(KEY);
    if (stored) this.tokens = JSON.parse(stored) as Tokens;
  }

  get loggedIn(): boolean {
    return this.tokens !== null;
  }

  /** The account the token speaks for, and its role, read from the token's claims. */
  claims(): { account_id?: string; role?: string } {
    const payload = this.tokens?.access.split(".")[1];
    if (!payload) return {};
    return JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
  }

  start(access: string, refresh: string, expiresIn: number): void {
    this.tokens = { access, refresh, expiresAt: Date.now() + expiresIn * 1000 };
    sessionStorage.setItem(KEY, JSON.stringify(this.tokens));
    for (const listener of this.listeners) listener(true);
  }

  end(): void {
    this.tokens = null;
    sessionStorage.removeItem(KEY);
    for (const listener of this.listeners) listener(false);
  }

  get refreshToken(): string | null {
    return this.tokens?.refresh ?? null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async accessToken(): Promise<string | null> {
    if (!this.tokens) return null;
    if (Date.now() < this.tokens.expiresAt - EARLY_MS) return this.tokens.access;
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(): Promise<string | null> {
    // A plain fetch: the API client's middleware would ask for a token again.
    const response = await fetch("/v1/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: this.tokens?.refresh }),
    });
    if (!response.ok) {
      this.end();
      return null;
    }
    const body = await response.json();
    this.start(body.access_token, body.refresh_token, body.expires_in);
    return body.access_token as string;
  }
}

export const session = new Session();
