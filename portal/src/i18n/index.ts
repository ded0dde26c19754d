import { en, type StringKey } from './en.js';
import { zh } from './zh.js';

export type { StringKey } from './en.js';
export type Lang = 'en' | 'zh';
export const STRINGS: Record<Lang, Record<StringKey, string>> = { en, zh };

/** The document language for a console language (screen readers pick their voice from it). */
export const HTML_LANG: Record<Lang, string> = { en: 'en', zh: 'zh-CN' };

export function translate(lang: Lang, key: StringKey, vars: Record<string, string | number> = {}): string {
  let s = STRINGS[lang][key] ?? en[key];
  for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

export function initialLang(): Lang {
  // A link may choose the language (?lng=zh), as the original console's detector read it first.
  const asked = new URLSearchParams(location.search).get('lng')?.toLowerCase();
  if (asked?.startsWith('zh')) return 'zh';
  if (asked?.startsWith('en')) return 'en';
  const saved = localStorage.getItem('dth.lang');
  if (saved === 'en' || saved === 'zh') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}
