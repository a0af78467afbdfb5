import { useEffect, useRef, useState } from "react";
import { api } from "../../api/http";
import type { EstimateInput, EstimateResponse } from "./api-types";

export interface EstimateState { estimate: EstimateResponse | null; error: unknown; loading: boolean; stale: boolean }

/**
 * The estimate (POST /economy/estimate) for a template and its parameters, asked again 500 ms
 * after they stop changing; an older answer arriving late is ignored. `ready` false: no request.
 */
export function useEstimate(template: string | null, parameters: Record<string, unknown>, ready: boolean, version = 0): EstimateState {
  const [state, setState] = useState<EstimateState>({ estimate: null, error: null, loading: false, stale: false });
  const key = JSON.stringify(parameters);
  const seq = useRef(0);
  useEffect(() => {
    if (!template || !ready) {
      setState((s) => ({ ...s, loading: false }));
      return;
    }
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true, stale: s.estimate !== null }));
    const timer = setTimeout(() => {
      const body: EstimateInput = { template_name: template, parameters: JSON.parse(key) as Record<string, unknown> };
      api.post<EstimateResponse>("/economy/estimate", body).then(
        (estimate) => { if (seq.current === mine) setState({ estimate, error: null, loading: false, stale: false }); },
        (error: unknown) => { if (seq.current === mine) setState({ estimate: null, error, loading: false, stale: false }); },
      );
    }, 500);
    return () => clearTimeout(timer);
  }, [template, key, ready, version]);
  return state;
}
