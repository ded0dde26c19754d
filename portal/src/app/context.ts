import { createContext, useContext } from 'react';
import type { FlashbarProps } from '@cloudscape-design/components/flashbar';
import type { TaskOperations } from '../api/operations.js';
import type { PortalConfig } from '../auth/config.js';
import { translate, type Lang, type StringKey } from '../i18n/index.js';

/** A Flashbar message: a string key and its values, so it follows a language switch. */
export type Flash = Pick<FlashbarProps.MessageDefinition, 'type' | 'loading'> & {
  id?: string;
  message: StringKey;
  vars?: Record<string, string | number>;
};

export interface PortalContext {
  ops: TaskOperations;
  config: PortalConfig;
  lang: Lang;
  navigate: (path: string) => void;
  /** Shows a message in the page's Flashbar; the same id replaces an earlier message (e.g. "stopping" → "stopped"). */
  notify: (flash: Flash) => void;
}

export const Ctx = createContext<PortalContext | null>(null);

export function usePortal() {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('usePortal outside the app');
  const t = (key: StringKey, vars?: Record<string, string | number>) => translate(ctx.lang, key, vars);
  return { ...ctx, t, local: ctx.config.authType === 'LOCAL' };
}
