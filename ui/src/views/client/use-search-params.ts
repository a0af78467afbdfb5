import { useCallback, useMemo } from "react";
import { useLocation, useSearch } from "wouter";

/**
 * The page's query string as state: read with `params.get`, changed with `set` (values that are
 * empty are dropped), so filters and pages survive a reload and the back button.
 */
export function useSearchParams(): [URLSearchParams, (changes: Record<string, string | null>, options?: { replace?: boolean }) => void] {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const set = useCallback((changes: Record<string, string | null>, options: { replace?: boolean } = {}) => {
    const next = new URLSearchParams(search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === "") next.delete(key);
      else next.set(key, value);
    }
    const text = next.toString();
    navigate(`${location}${text ? `?${text}` : ""}`, { replace: options.replace ?? false });
  }, [search, location, navigate]);
  return [params, set];
}
