import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import type { LoginResponse, SessionView, ValidateResponse } from "../../../src/contracts/auth";
import { api, onSessionChange, sessionToken, setSessionToken } from "./http";

export type { SessionView };

interface SessionContext {
  /** The signed-in user; null when signed out; undefined while the stored token is checked. */
  user: SessionView | null | undefined;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const Context = createContext<SessionContext | null>(null);

/** Holds the session: checks a stored token on load, signs in and out. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SessionView | null | undefined>(sessionToken() ? undefined : null);

  const check = useCallback(async () => {
    if (!sessionToken()) return setUser(null);
    try {
      const answer = await api.post<ValidateResponse>("/auth/validate", {});
      setUser(answer.session);
    } catch {
      setSessionToken(null);
      setUser(null);
    }
  }, []);

  useEffect(() => {
    void check();
    return onSessionChange(() => { if (!sessionToken()) setUser(null); });
  }, [check]);

  const signIn = useCallback(async (email: string, password: string) => {
    const answer = await api.post<LoginResponse>("/auth/login", { email, password });
    setSessionToken(answer.session_token);
    await check();
  }, [check]);

  const signOut = useCallback(async () => {
    try {
      await api.post("/auth/logout");
    } finally {
      setSessionToken(null);
      setUser(null);
    }
  }, []);

  return <Context.Provider value={{ user, signIn, signOut }}>{children}</Context.Provider>;
}

/** The session context. */
export function useSession(): SessionContext {
  const value = useContext(Context);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

/** The signed-in user (views behind the sign-in gate only). */
export function useUser(): SessionView {
  const { user } = useSession();
  if (!user) throw new Error("useUser outside the signed-in app");
  return user;
}

/** True for admin and support. */
export function isStaff(user: SessionView): boolean {
  return user.role === "admin" || user.role === "support";
}
