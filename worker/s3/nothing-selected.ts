/**
 * A finder pass that selected no source object although the task narrows its selection (srcPrefix, a prefix list,
 * include/exclude): said, with what narrowed it and the likely slip, instead of a bare "nothing to copy". A user
 * migrating with `--src-prefix /data/` (keys never begin with "/") or include globs written relative to the prefix
 * otherwise saw a successful run that copied nothing.
 */
import type { Logger } from '../core/log.js';
import type { S3TaskParams } from './params.js';

type Selection = Pick<S3TaskParams, 'srcPrefix' | 'prefixList' | 'include' | 'exclude'>;

/** The likely slips of a selection that matched nothing (the API's enum SelectionSlip: the console words them). */
export const SELECTION_SLIPS = ['PREFIX_LEADING_SLASH', 'PREFIX_DOUBLE_SLASH', 'INCLUDE_WITH_PREFIX'] as const;
export type SelectionSlip = (typeof SELECTION_SLIPS)[number];

/** Whether the task narrows what it selects (a prefix, a prefix list, include or exclude). */
export function selectionNarrowed(p: Selection): boolean {
  return p.prefixList !== undefined || p.srcPrefix !== '' || p.include.length > 0 || p.exclude.length > 0;
}

export function selectionSlips(p: Selection): SelectionSlip[] {
  const prefix = p.prefixList ? '' : p.srcPrefix;
  const slips: SelectionSlip[] = [];
  if (prefix.startsWith('/')) slips.push('PREFIX_LEADING_SLASH');
  if (prefix.includes('//')) slips.push('PREFIX_DOUBLE_SLASH');
  if (prefix && p.include.length > 0) slips.push('INCLUDE_WITH_PREFIX');
  return slips;
}

/** A slip in words, for the log (the console has its own, in its languages). */
function slipWords(slip: SelectionSlip, prefix: string): string {
  switch (slip) {
    case 'PREFIX_LEADING_SLASH':
      return `srcPrefix "${prefix}" begins with "/": a prefix is matched from a key's first character (dir/, not /dir/)`;
    case 'PREFIX_DOUBLE_SLASH':
      return `srcPrefix "${prefix}" holds "//", which matches only keys holding two slashes`;
    case 'INCLUDE_WITH_PREFIX':
      return `include globs match the whole key, srcPrefix included (${prefix}**/*.jpg, not **/*.jpg relative to it)`;
  }
}

/** The likely slips in a selection that matched nothing, in words. */
export function selectionHints(p: Selection): string[] {
  return selectionSlips(p).map((slip) => slipWords(slip, p.srcPrefix));
}

export function warnNothingSelected(p: Selection, logger: Logger): void {
  if (!selectionNarrowed(p)) return;
  const hints = selectionHints(p);
  logger.warn('finder.nothing_selected', {
    reason: 'no source object matched the selection: nothing was compared or copied',
    ...(p.prefixList ? { srcPrefixsListFile: p.prefixList.key } : p.srcPrefix ? { srcPrefix: p.srcPrefix } : {}),
    ...(p.include.length ? { include: p.include } : {}),
    ...(p.exclude.length ? { exclude: p.exclude } : {}),
    ...(hints.length ? { hints } : {}),
  });
}

/** srcPrefix beside a prefix list: the list's prefixes are listed, srcPrefix is not used (as the original). */
export function warnPrefixIgnored(p: Selection, logger: Logger): void {
  if (!p.prefixList || !p.srcPrefix) return;
  logger.warn('finder.src_prefix_ignored', {
    srcPrefix: p.srcPrefix,
    srcPrefixsListFile: p.prefixList.key,
    reason: 'the prefixes of the list are listed; srcPrefix is not used with a list (as the original)',
  });
}
