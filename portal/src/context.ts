import { createContext, useContext } from 'react';
import type { Api } from './api.js';
import type { PortalConfig } from './auth.js';
import { translate, type Lang, type StringKey } from './i18n.js';

export interface PortalContext {
  api: Api;
  config: PortalConfig;
  lang: Lang;
  navigate: (path: string) => void;
}

export const Ctx = createContext<PortalContext | null>(null);

export function usePortal() {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('usePortal outside the app');
  const t = (key: StringKey, vars?: Record<string, string | number>) => translate(ctx.lang, key, vars);
  return { ...ctx, t };
}
